"""``ya.scipy.special`` (``yaae/ops/special.py``) against independent oracles,
in float64, with parameters in broadcasting shapes:

* JAX's ``jax.scipy.special``: values, VJPs, JVPs and second derivatives
  (Hessian-vector products), where JAX has the function;
* mpmath (arbitrary precision, its own numerical derivatives) where JAX lacks
  it (rgamma, erfcinv, the Bessel functions j/y/iv/ive) and for complex erf;
* ``torch.special`` values for those (PyTorch has no derivatives for them);
* finite differences everywhere (``ya.testing.gradcheck``, reverse and
  forward mode, order 2).

Also: SciPy's own ufuncs called on Tensors dispatch here, a derivative in an
argument that has none raises a TypeError naming the op, float32 stays
float32, and every public function has a docstring.
"""
import zlib

import jax
import jax.numpy as jnp
import jax.scipy.special as js
import mpmath
import numpy as np
import pytest
import scipy.special as sc
import torch

import yaae as ya
from yaae.testing import gradcheck

jax.config.update("jax_enable_x64", True)
S = ya.scipy.special
rng = np.random.default_rng(12)


def _rng(key):
    """A generator of its own for each test (the draws do not depend on which tests ran)."""
    return np.random.default_rng(zlib.crc32(key.encode()))


def U(lo, hi, *shape):
    return rng.uniform(lo, hi, shape)


# name -> (arguments, differentiated argument indices): parameters broadcast
# against x ((3, 1) with (4,), () with (2, 3), ...), inputs inside the domain
CASES = {
    "gamma": ((U(0.3, 4.0, 2, 3),), (0,)),
    "gammaln": ((np.concatenate([U(0.2, 6.0, 5), U(-2.9, -2.1, 2)]),), (0,)),
    "rgamma": ((U(0.3, 4.0, 2, 3),), (0,)),
    "gammasgn": ((np.array([-2.5, -1.5, 0.5, 3.0]),), (0,)),
    "digamma": ((U(0.3, 5.0, 2, 3),), (0,)),
    "psi": ((U(0.3, 5.0, 4),), (0,)),
    "polygamma": ((np.array([[0], [1], [3]]), U(0.5, 4.0, 4)), (1,)),
    "beta": ((U(0.5, 3.0, 3, 1), U(0.5, 3.0, 4)), (0, 1)),
    "betaln": ((U(0.5, 3.0, 3, 1), U(0.5, 3.0, 4)), (0, 1)),
    "gammainc": ((U(0.5, 4.0, 3, 1), U(0.2, 5.0, 4)), (1,)),
    "gammaincc": ((U(0.5, 4.0, 3, 1), U(0.2, 5.0, 4)), (1,)),
    "betainc": ((U(0.8, 3.0, 3, 1), U(0.8, 3.0, 1, 4), U(0.1, 0.9, 4)), (2,)),
    "betaincc": ((U(0.8, 3.0, 3, 1), U(0.8, 3.0, 1, 4), U(0.1, 0.9, 4)), (0, 1, 2)),
    "erf": ((U(-2.0, 2.0, 2, 3),), (0,)),
    "erfc": ((U(-2.0, 2.0, 2, 3),), (0,)),
    "erfinv": ((U(-0.9, 0.9, 2, 3),), (0,)),
    "erfcinv": ((U(0.1, 1.9, 2, 3),), (0,)),
    "ndtr": ((U(-3.0, 3.0, 2, 3),), (0,)),
    "ndtri": ((U(0.05, 0.95, 2, 3),), (0,)),
    "log_ndtr": ((np.array([-8.0, -3.5, -1.0, 0.0, 2.0, 6.0]),), (0,)),
    "expit": ((U(-4.0, 4.0, 2, 3),), (0,)),
    "logit": ((U(0.05, 0.95, 2, 3),), (0,)),
    "xlogy": ((U(-2.0, 2.0, 3, 1), U(0.3, 3.0, 4)), (0, 1)),
    "xlog1py": ((U(-2.0, 2.0, 3, 1), U(-0.7, 3.0, 4)), (0, 1)),
    "entr": ((U(0.1, 3.0, 2, 3),), (0,)),
    "i0": ((U(-3.0, 3.0, 2, 3),), (0,)),
    "i1": ((U(-3.0, 3.0, 2, 3),), (0,)),
    "iv": ((np.array([[0.0], [1.5], [-0.5], [3.0]]), U(0.3, 4.0, 5)), (1,)),
    "ive": ((np.array([[0.0], [1.0], [2.0]]), np.concatenate([U(0.3, 4.0, 4), [-1.5]])), (1,)),
    "j0": ((U(-6.0, 6.0, 2, 3),), (0,)),
    "j1": ((np.concatenate([U(-6.0, 6.0, 5), [0.0]]),), (0,)),
    "jn": ((np.array([[0], [1], [2], [5]]), U(0.3, 8.0, 5)), (1,)),
    "y0": ((U(0.3, 8.0, 2, 3),), (0,)),
    "y1": ((U(0.3, 8.0, 2, 3),), (0,)),
    "yn": ((np.array([[0], [1], [3]]), U(0.5, 8.0, 5)), (1,)),
    "sinc": ((np.concatenate([U(-2.0, 2.0, 5), [0.0]]),), (0,)),
    "multigammaln": ((U(2.0, 5.0, 2, 3), 3), (0,)),
    "logsumexp": ((U(-2.0, 2.0, 3, 4),), (0,)),
    "softmax": ((U(-2.0, 2.0, 3, 4),), (0,)),
    "log_softmax": ((U(-2.0, 2.0, 3, 4),), (0,)),
}
# keyword arguments of the composites' cases
KW = {"logsumexp": {"axis": 1}, "softmax": {"axis": 0}, "log_softmax": {"axis": -1}}

JAX = {n: getattr(js, n) for n in CASES if hasattr(js, n) and n not in ("beta", "ndtri")}
JAX["psi"] = js.digamma
JAX["sinc"] = jnp.sinc
MP = {   # mpmath's function of (params..., x) for the ones JAX lacks
    "rgamma": mpmath.rgamma,
    "erfcinv": lambda y: mpmath.erfinv(1 - y),
    "iv": mpmath.besseli, "ive": lambda v, x: mpmath.besseli(v, x) * mpmath.exp(-abs(x)),
    "j0": lambda x: mpmath.besselj(0, x), "j1": lambda x: mpmath.besselj(1, x),
    "jn": mpmath.besselj,
    "y0": lambda x: mpmath.bessely(0, x), "y1": lambda x: mpmath.bessely(1, x),
    "yn": mpmath.bessely,
    "betaincc": lambda a, b, x: mpmath.betainc(a, b, x, 1, regularized=True),
}
# mpmath also checks these, at points where JAX is inaccurate or wrong
# (log_ndtr far in the left tail; i1 at 0, where JAX's second derivative is not 0)
MP_MORE = {
    "log_ndtr": (lambda x: mpmath.log(mpmath.ncdf(x)), (np.array([-30.0, -8.0, -1.0, 4.0]),)),
    "i1": (lambda x: mpmath.besseli(1, x), (np.array([0.0, -1.0, 2.5]),)),
    # at and near the poles of gamma, where rgamma is 0
    "rgamma": (mpmath.rgamma, (np.array([0.0, -1.0, -2.0, -3.0, -2.5, -0.3, 0.4, 0.5, 2.0]),)),
}


def _fn(name, f=None):
    f = f or getattr(S, name)
    args, diff = CASES[name]
    kw = KW.get(name, {})

    def g(*xs):
        a = list(args)
        for i, x in zip(diff, xs):
            a[i] = x
        return f(*a, **kw)
    return g, [args[i] for i in diff]


def test_every_function_of_the_issue_is_here_and_tested():
    want = ("gamma gammaln rgamma gammasgn multigammaln digamma psi polygamma beta betaln "
            "gammainc gammaincc betainc erf erfc erfinv erfcinv ndtr ndtri log_ndtr expit "
            "logit xlogy xlog1py entr logsumexp softmax log_softmax i0 i1 iv ive j0 j1 jn "
            "y0 y1 yn sinc").split()
    want.append("betaincc")    # beyond the issue's list: the t cdf's left side needs it
    assert sorted(want) == sorted(S.__all__) == sorted(CASES)
    assert set(JAX) | set(MP) | set(TORCH_AD) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_order2(name):
    f, xs = _fn(name)
    assert gradcheck(f, *xs, modes=("rev", "fwd"), order=2, eps=1e-6, rtol=1e-5, atol=1e-6)


# ---- JAX ----------------------------------------------------------------------------------
def _close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


# (JAX's log_ndtr is less accurate than SciPy's far in the left tail -- its second
# derivative at -30 is off by 1.4e-7 -- so that point is checked against mpmath only)


def _check_oracle(name, of, grad, jvp, hvp, rtol, hvp_rtol=1e-9):
    """Value, VJP, JVP and the Hessian-vector product (order 2) of a random
    projection ``sum(f(x) * u)``, against an oracle's ``of`` and its
    ``grad(loss, argnums)``, ``jvp(f, xs, ts)``, ``hvp(loss, argnums, xs, ts)``."""
    f, xs = _fn(name)
    jf, _ = _fn(name, of)
    out = f(*xs)
    _close(out, jf(*xs), rtol)
    r = _rng(name)
    u = r.standard_normal(np.shape(out))
    ts = [r.standard_normal(np.shape(x)) for x in xs]
    argnums = tuple(range(len(xs)))

    def loss(*a):
        return ya.sum(f(*a) * u)

    def oloss(*a):
        o = jf(*a)
        return (o * (torch.as_tensor(u) if isinstance(o, torch.Tensor) else u)).sum()
    for a, b in zip(ya.grad(loss, argnums=argnums)(*xs), grad(oloss, argnums, xs)):
        _close(a, b, rtol)
    _close(ya.jvp(f, tuple(xs), tuple(ts))[1], jvp(jf, xs, ts), rtol)
    hv = ya.jvp(lambda *a: ya.grad(loss, argnums=argnums)(*a), tuple(xs), tuple(ts))[1]
    for a, b in zip(hv, hvp(oloss, argnums, xs, ts)):
        # (the oracle's error is relative to the terms summed, so also to the largest entry)
        tol = max(rtol, hvp_rtol)
        _close(a, b, tol, tol * np.max(np.abs(b)))


def _jax_grad(loss, argnums, xs):
    return jax.grad(loss, argnums=argnums)(*xs)


def _jax_jvp(f, xs, ts):
    return jax.jvp(f, tuple(jnp.asarray(x) for x in xs), tuple(jnp.asarray(t) for t in ts))[1]


def _jax_hvp(loss, argnums, xs, ts):
    return jax.jvp(jax.grad(loss, argnums=argnums), tuple(xs), tuple(ts))[1]


@pytest.mark.parametrize("name", sorted(JAX))
def test_against_jax(name):
    _check_oracle(name, JAX[name], _jax_grad, _jax_jvp, _jax_hvp, 1e-10)


def _T(f):
    """``f`` on torch tensors, called with ndarrays or tensors (ndarrays become float64
    tensors), returning a tensor."""
    return lambda *a: f(*[torch.as_tensor(x) for x in a])


def _torch_grad(loss, argnums, xs):
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    return [g.numpy() for g in torch.autograd.grad(loss(*ts), ts)]


def _torch_jvp(f, xs, ts):
    return torch.func.jvp(f, tuple(torch.tensor(x) for x in xs),
                          tuple(torch.tensor(t) for t in ts))[1].numpy()


def _torch_hvp(loss, argnums, xs, ts):
    g = lambda *a: torch.func.grad(loss, argnums=argnums)(*a)
    return [h.numpy() for h in torch.func.jvp(g, tuple(torch.tensor(x) for x in xs),
                                              tuple(torch.tensor(t) for t in ts))[1]]


# PyTorch for functions JAX lacks (rgamma, erfcinv), and for beta and ndtri, whose
# JAX implementations take long to compile (second order to 1e-8: PyTorch's
# trigamma is accurate to 5e-10, SciPy's to 1e-15)
TORCH_AD = {"beta": _T(lambda a, b: torch.exp(torch.lgamma(a) + torch.lgamma(b)
                                              - torch.lgamma(a + b))),
            "rgamma": _T(lambda x: torch.exp(-torch.lgamma(x))),
            "erfcinv": _T(lambda y: torch.special.erfinv(1 - y)),
            "ndtri": _T(torch.special.ndtri)}


@pytest.mark.parametrize("name", sorted(TORCH_AD))
def test_against_torch_autograd(name):
    _check_oracle(name, lambda *a: TORCH_AD[name](*a).numpy() if not any(
        isinstance(x, torch.Tensor) for x in a) else TORCH_AD[name](*a),
        _torch_grad, _torch_jvp, _torch_hvp, 1e-10, hvp_rtol=1e-8)


def _mp_grads(f, b, order):
    """mpmath's order-th derivative of ``f`` in x (the last argument),
    elementwise over the broadcast arguments ``b``."""
    with mpmath.workdps(30):
        return np.vectorize(lambda *a: float(mpmath.diff(lambda x: f(*a[:-1], x), a[-1],
                                                         order)))(*b)


MP_CASES = {**{n: (f, CASES[n][0]) for n, f in MP.items()},
            **{n + "-more": c for n, c in MP_MORE.items()}}


@pytest.mark.parametrize("name", sorted(MP_CASES))
def test_against_mpmath(name):
    """Value and first and second derivatives in x (reverse, and forward over
    forward) against mpmath's, elementwise over the broadcast arguments (the
    parameters broadcast x to their shape)."""
    mf, args = MP_CASES[name]
    b = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])

    def fb(x):
        return getattr(S, name.split("-")[0])(*b[:-1], x)
    x, ones = b[-1], np.ones_like(b[-1])
    _close(fb(x), _mp_grads(mf, b, 0), 1e-10)
    d1 = ya.grad(lambda x: ya.sum(fb(x)))(x)
    d2 = ya.grad(lambda x: ya.sum(ya.grad(lambda y: ya.sum(fb(y)))(x)))(x)
    t2 = ya.jvp(lambda x: ya.jvp(fb, (x,), (ones,))[1], (x,), (ones,))[1]
    _close(d1, _mp_grads(mf, b, 1), 1e-9, 1e-12)
    _close(d2, _mp_grads(mf, b, 2), 1e-8, 1e-11)
    _close(t2, _mp_grads(mf, b, 2), 1e-8, 1e-11)


# PyTorch has these Bessel functions without derivatives; its float64 values are
# accurate to about 1e-7 (mpmath above is the tight oracle)
TORCH_BESSEL = {"j0": torch.special.bessel_j0, "j1": torch.special.bessel_j1,
                "y0": torch.special.bessel_y0, "y1": torch.special.bessel_y1}


@pytest.mark.parametrize("name", sorted(TORCH_BESSEL))
def test_bessel_values_against_torch(name):
    f, xs = _fn(name)
    _close(f(*xs), TORCH_BESSEL[name](*[torch.tensor(x) for x in xs]).numpy(), 1e-6, 1e-6)


@pytest.mark.parametrize("name", ["i0", "i1", "polygamma", "gammainc", "betainc", "erfinv",
                                  "ndtri"])
def test_values_against_mpmath(name):
    """The values of functions checked against JAX above agree with mpmath to 1e-13."""
    args, _ = CASES[name]
    b = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    mp = {"i0": lambda x: mpmath.besseli(0, x), "i1": lambda x: mpmath.besseli(1, x),
          "polygamma": lambda n, x: mpmath.polygamma(int(n), x),
          "gammainc": lambda a, x: mpmath.gammainc(a, 0, x, regularized=True),
          "betainc": lambda a, c, x: mpmath.betainc(a, c, 0, x, regularized=True),
          "erfinv": mpmath.erfinv, "ndtri": lambda p: mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1)}
    with mpmath.workdps(30):
        want = np.vectorize(lambda *a: float(mp[name](*a)))(*b)
    _close(getattr(S, name)(*b), want, 1e-13, 1e-300)


# ---- complex erf and erfc ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_complex(name):
    """Holomorphic: the value is SciPy's, the JVP of a complex tangent is f'(z) t
    and the VJP (JAX's convention) is c f'(z), f' from mpmath; and finite
    differences of the op as a map of R^2, to order 2."""
    rng = _rng(name)
    z = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    f = getattr(S, name)
    mpf = {"erf": mpmath.erf, "erfc": mpmath.erfc}[name]
    with mpmath.workdps(30):
        val = np.vectorize(lambda w: complex(mpf(w)))(z)
        d = np.vectorize(lambda w: complex(mpmath.diff(mpf, w)))(z)
    _close(f(z), val)
    t = rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape)
    _close(ya.jvp(f, (z,), (t,))[1], d * t)
    c = rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape)
    _close(ya.vjp(f, z)[1](c)[0], c * d)
    assert gradcheck(f, z, modes=("rev", "fwd"), order=2)


# ---- logsumexp, softmax, log_softmax: SciPy's signatures -------------------------------
@pytest.mark.parametrize("axis,keepdims,b_shape", [
    (1, True, None), (None, False, (3, 1, 4)), (0, False, (3, 1, 4)), ((0, 2), True, (4,)),
    (-1, False, (4,))])
def test_logsumexp_b_return_sign(axis, keepdims, b_shape):
    rng = _rng(f"{axis}{keepdims}{b_shape}")
    a = rng.standard_normal((3, 2, 4))
    b = None if b_shape is None else rng.uniform(-1.0, 2.0, b_shape)
    argnums = (0,) if b is None else (0, 1)
    xs = (a,) if b is None else (a, b)

    def f(a, b=None, lib=S):
        r, s = lib.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
        return r * s
    r, s = S.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    wr, ws = sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
    _close(r, wr)
    _close(s, ws)
    _close(S.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
           sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims))
    u = rng.standard_normal(np.shape(wr))
    gy = ya.grad(lambda *x: ya.sum(f(*x) * u), argnums=argnums)(*xs)
    gj = jax.grad(lambda *x: jnp.sum(f(*x, lib=js) * u), argnums=argnums)(*xs)
    for p, q in zip(gy, gj):
        _close(p, q)
    assert gradcheck(f, *xs, modes=("rev", "fwd"), order=2)


def test_logsumexp_negative_sum_is_nan_without_return_sign():
    a, b = np.array([1.0, 2.0]), np.array([1.0, -2.0])
    assert np.isnan(S.logsumexp(a, b=b).item()) and np.isnan(sc.logsumexp(a, b=b))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_softmax_axis_default_is_every_element(name, axis):
    rng = _rng(f"{name}{axis}")
    x = rng.standard_normal((3, 4))
    kw = {} if axis is None else {"axis": axis}
    f = lambda x: getattr(S, name)(x, **kw)
    _close(f(x), getattr(sc, name)(x, **kw))
    u = rng.standard_normal(x.shape)
    _close(ya.grad(lambda x: ya.sum(f(x) * u))(x),
           jax.grad(lambda x: jnp.sum(getattr(js, name)(x, **kw) * u))(x))


def test_multigammaln_domain_error_as_scipy():
    with pytest.raises(ValueError):
        sc.multigammaln(np.array([1.0]), 3)
    with pytest.raises(ValueError, match="multigammaln"):
        S.multigammaln(np.array([1.0]), 3)


# ---- no derivative in the integer orders and parameters: a TypeError, never zero ------
NODIFF = [("polygamma", 0, "n", (np.array([1.0]), np.array([2.0]))),
          ("jn", 0, "n", (np.array([1.0]), np.array([2.0]))),
          ("yn", 0, "n", (np.array([1.0]), np.array([2.0]))),
          ("iv", 0, "v", (np.array([1.5]), np.array([2.0]))),
          ("ive", 0, "v", (np.array([1.5]), np.array([2.0])))]
# (gammainc/gammaincc in a and betainc in a and b are differentiable: see
# tests/test_scipy_special_params.py)


@pytest.mark.parametrize("name,i,arg,args", NODIFF, ids=[f"{n}-{a}" for n, _, a, _ in NODIFF])
def test_no_derivative_in_orders_and_parameters_raises(name, i, arg, args):
    f = getattr(S, name)

    def g(p):
        a = list(args)
        a[i] = p
        return ya.sum(f(*a))
    with pytest.raises(TypeError, match=rf"{name}: no derivative with respect to {arg}\b"):
        ya.grad(g)(args[i])
    with pytest.raises(TypeError, match=rf"{name}: no derivative with respect to {arg}\b"):
        ya.jvp(g, (args[i],), (np.ones(1),))
    t = ya.tensor(args[i], requires_grad=True)
    with pytest.raises(TypeError, match=rf"{name}.*detach"):
        g(t).backward()
    # a constant order is fine, and so is the derivative in x
    assert np.isfinite(ya.grad(lambda x: ya.sum(f(*args[:-1], x)))(args[-1])).all()


# ---- SciPy's own ufuncs on Tensors --------------------------------------------------------
UFUNCS = sorted(n for n in CASES if isinstance(getattr(sc, n), np.ufunc)
                and getattr(sc, n) is not np.sinc)


def test_the_ufuncs_are_declared_in_the_registry():
    from yaae.ops.registry import NUMPY
    assert len(UFUNCS) >= 30
    for n in UFUNCS:
        op = NUMPY[getattr(sc, n)]
        assert op.module == "scipy.special", n


@pytest.mark.parametrize("name", UFUNCS)
def test_scipy_ufunc_on_a_tensor_dispatches(name):
    f, xs = _fn(name, getattr(sc, name))
    out = f(*[ya.tensor(x) for x in xs])
    assert isinstance(out, ya.Tensor)
    _close(out, getattr(S, name)(*CASES[name][0]))
    argnums = tuple(range(len(xs)))
    mine, _ = _fn(name)
    for a, b in zip(ya.grad(lambda *x: ya.sum(f(*x)), argnums=argnums)(*xs),
                    ya.grad(lambda *x: ya.sum(mine(*x)), argnums=argnums)(*xs)):
        _close(a, b, 0, 0)


def test_scipy_ufunc_before_ya_scipy_is_loaded():
    """``scipy.special.gammaln(t)`` works in a fresh process that never touched ya.scipy."""
    import subprocess
    import sys
    code = ("import yaae as ya, numpy as np, scipy.special as sc\n"
            "t = ya.tensor(np.array([0.5, 3.0]), requires_grad=True)\n"
            "sc.gammaln(t).sum().backward()\n"
            "assert np.allclose(t.grad.data, sc.psi([0.5, 3.0]), rtol=1e-14)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


# ---- dtypes, docs -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gammaln", "digamma", "erf", "ndtri", "expit", "i0", "j1",
                                  "logsumexp", "softmax"])
def test_float32_stays_float32(name):
    x = (CASES[name][0][0] if name != "ndtri" else U(0.1, 0.9, 2, 3)).astype(np.float32)
    out = getattr(S, name)(x)
    assert out.dtype == np.float32
    g = ya.grad(lambda x: ya.sum(getattr(S, name)(x)))(x)
    assert np.asarray(g).dtype == np.float32 and np.isfinite(g).all()


def test_every_public_function_has_a_docstring_with_an_example():
    for n in S.__all__:
        doc = getattr(S, n).__doc__ or ""
        assert "SciPy" in doc and ">>>" in doc, n
