"""Samples for ``ya.scipy.special`` (``yaae/ops/special.py``; loading this file
loads ``ya.scipy.special``, which declares the ops).  Each op gets a sample with
parameters in broadcasting shapes (order 2), a 0-d one, and one of more than
256 differentiated elements; PyTorch oracles wherever PyTorch has the function
with derivatives accurate to 1e-10 (``tests/test_scipy_special.py`` checks
every one against JAX, mpmath and PyTorch in more detail).  Integer orders and
parameters with no derivative (polygamma's n, iv's v, ...) are left out of
``diff``; gammainc/gammaincc are differentiated in a and betainc in a and b
too (PyTorch has no derivative in a: its oracle is on the samples in x only;
``tests/test_scipy_special_params.py`` checks them against JAX and mpmath)."""
import numpy as np
import scipy.special as sc
import torch

import yaae as ya

from . import Sample, add, _rng

S = ya.scipy.special


def U(lo, hi, *shape):
    return _rng.uniform(lo, hi, shape)


def _name(n):
    return "scipy.special." + n


def unary(name, lo, hi, tfn=None):
    add(_name(name),
        Sample(U(lo, hi, 3, 4), torch=tfn, order2=True),
        Sample(np.asarray(U(lo, hi, 1)[0]), torch=tfn, order2=True),
        Sample(U(lo, hi, 20, 15), torch=tfn))


def with_param(name, p, lo, hi, tfn=None, p_big=None):
    """Samples of ``name(p, x)``, differentiated in x only (p: an order or a
    parameter, shaped to broadcast against x)."""
    add(_name(name),
        Sample(p, U(lo, hi, 4), diff=(1,), torch=tfn, order2=True),
        Sample(p if p_big is None else p_big, U(lo, hi, 20, 15), diff=(1,), torch=tfn))


unary("gamma", 0.3, 4.0, lambda x: torch.exp(torch.lgamma(x)))
unary("gammaln", 0.3, 6.0, torch.special.gammaln)
unary("rgamma", 0.3, 4.0)
unary("digamma", 0.3, 5.0)
unary("erf", -2.0, 2.0, torch.special.erf)
unary("erfc", -2.0, 2.0, torch.special.erfc)
unary("erfinv", -0.9, 0.9, torch.special.erfinv)
unary("erfcinv", 0.1, 1.9)
unary("ndtr", -3.0, 3.0, torch.special.ndtr)
unary("ndtri", 0.05, 0.95, torch.special.ndtri)
unary("log_ndtr", -10.0, 3.0, torch.special.log_ndtr)
unary("expit", -4.0, 4.0, torch.special.expit)
unary("logit", 0.05, 0.95, torch.special.logit)
unary("entr", 0.1, 3.0, torch.special.entr)
unary("i0", -3.0, 3.0, torch.special.i0)
unary("i1", -3.0, 3.0, torch.special.i1)
unary("j0", -6.0, 6.0)
unary("j1", -6.0, 6.0)
unary("y0", 0.3, 8.0)
unary("y1", 0.3, 8.0)
unary("sinc", -2.0, 2.0, torch.special.sinc)


def _gammasgn_check(out, x):
    """the sign of SciPy's gamma, and a zero derivative"""
    np.testing.assert_array_equal(out.data, np.sign(sc.gamma(x)))
    assert not np.any(ya.grad(lambda x: ya.sum(S.gammasgn(x)))(x))


add(_name("gammasgn"),
    Sample(np.array([-2.5, -1.5, 0.5, 3.0]), fd=False, check=_gammasgn_check),
    Sample(U(-3.0, 3.0, 20, 15), fd=False, check=_gammasgn_check))

with_param("polygamma", 1, 0.5, 4.0)   # (PyTorch's trigamma is accurate to 5e-10 only)
add(_name("polygamma"), Sample(np.array([[0], [1], [3]]), U(0.5, 4.0, 4), diff=(1,), order2=True))
with_param("iv", np.array([[0.0], [1.5], [-0.5]]), 0.3, 4.0, p_big=2.5)
with_param("ive", np.array([[0.0], [1.5], [2.0]]), 0.3, 4.0, p_big=1.0)
with_param("jn", np.array([[0], [1], [4]]), 0.3, 8.0, p_big=3)
with_param("yn", np.array([[0], [1], [3]]), 0.5, 8.0, p_big=2)
with_param("gammainc", U(0.5, 4.0, 3, 1), 0.2, 5.0, torch.special.gammainc, p_big=np.array(2.5))
with_param("gammaincc", U(0.5, 4.0, 3, 1), 0.2, 5.0, torch.special.gammaincc, p_big=np.array(2.5))
add(_name("betainc"),
    Sample(U(0.8, 3.0, 3, 1), U(0.8, 3.0, 1, 4), U(0.1, 0.9, 4), diff=(2,), order2=True),
    Sample(2.5, 1.5, U(0.1, 0.9, 20, 15), diff=(2,)))
# in the parameters too: both sides of the switch between the series and the continued
# fraction (x = a + 1) and of the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)
for _n in ("gammainc", "gammaincc"):
    add(_name(_n),
        Sample(U(0.3, 6.0, 3, 1), U(0.05, 9.0, 4), order2=True),
        Sample(np.asarray(U(0.3, 4.0, 1)[0]), np.asarray(U(0.2, 6.0, 1)[0]), order2=True),
        Sample(U(0.3, 8.0, 20, 15), U(0.05, 12.0, 15)))
add(_name("betainc"),
    Sample(U(0.3, 5.0, 3, 1), U(0.3, 5.0, 1, 4), U(0.05, 0.95, 4), order2=True),
    Sample(np.asarray(U(0.3, 4.0, 1)[0]), np.asarray(U(0.3, 4.0, 1)[0]),
           np.asarray(U(0.1, 0.9, 1)[0]), order2=True),
    Sample(U(0.3, 6.0, 20, 1), U(0.3, 6.0, 15), U(0.05, 0.95, 20, 15)))


def _betaln_t(a, b):
    return torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)


for _n, _t in (("beta", lambda a, b: torch.exp(_betaln_t(a, b))), ("betaln", _betaln_t)):
    add(_name(_n),
        Sample(U(0.5, 3.0, 3, 1), U(0.5, 3.0, 4), torch=_t, order2=True),
        Sample(U(0.5, 3.0, 20, 15), U(0.5, 3.0, 15), torch=_t))
for _n, _t in (("xlogy", torch.special.xlogy), ("xlog1py", torch.special.xlog1py)):
    add(_name(_n),
        Sample(U(-2.0, 2.0, 3, 1), U(0.3, 3.0, 4), torch=_t, order2=True),
        Sample(U(-2.0, 2.0, 20, 15), U(0.3, 3.0, 15), torch=_t))
add(_name("multigammaln"),
    Sample(U(2.0, 5.0, 3, 4), 3, torch=torch.special.multigammaln, order2=True),
    Sample(U(1.0, 5.0, 20, 15), 1, torch=torch.special.multigammaln))
add(_name("logsumexp"),
    Sample(U(-2.0, 2.0, 3, 4), kw={"axis": 1}, order2=True,
           torch=lambda x, axis: torch.logsumexp(x, dim=axis)),
    Sample(U(-2.0, 2.0, 3, 4), kw={"b": U(0.5, 2.0, 4), "axis": 0}, order2=True,
           torch=lambda x, axis, b: torch.logsumexp(x + torch.log(torch.tensor(b)), dim=axis)),
    Sample(U(-2.0, 2.0, 3, 4), kw={"b": U(-1.0, 2.0, 3, 1), "axis": 1, "return_sign": True},
           order2=True),
    Sample(U(-2.0, 2.0, 20, 15), torch=lambda x: torch.logsumexp(x, dim=(0, 1))))
for _n, _t in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
    add(_name(_n),
        Sample(U(-2.0, 2.0, 3, 4), kw={"axis": 0}, order2=True,
               torch=lambda x, axis, _t=_t: _t(x, dim=axis)),
        Sample(U(-2.0, 2.0, 20, 15), torch=lambda x, _t=_t: _t(x.reshape(-1), 0).reshape(x.shape)))


# betaincc = 1 - betainc (appended last: the samples above keep their random inputs)
add(_name("betaincc"),
    Sample(U(0.8, 3.0, 3, 1), U(0.8, 3.0, 1, 4), U(0.1, 0.9, 4), diff=(2,), order2=True),
    Sample(U(0.3, 5.0, 3, 1), U(0.3, 5.0, 1, 4), U(0.05, 0.95, 4), order2=True),
    Sample(np.asarray(U(0.3, 4.0, 1)[0]), np.asarray(U(0.3, 4.0, 1)[0]),
           np.asarray(U(0.1, 0.9, 1)[0]), order2=True),
    Sample(U(0.3, 6.0, 20, 1), U(0.3, 6.0, 15), U(0.05, 0.95, 20, 15)))
