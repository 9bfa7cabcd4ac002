"""Samples for ``ya.scipy.stats`` (``yaae/scipy/stats.py``; loading this file loads
``ya.scipy.stats``, which declares each distribution's functions in the registry as
``"scipy.stats.<dist>.<method>"``).

Every function gets, in float64:

* a sample in broadcasting shapes (``x`` (4, 3), ``loc`` (3,), ``scale`` (4, 1), shape
  parameters (3,) and (4, 1)) differentiated in ``x`` and every parameter, order 2;
* a 0-d one (order 2), and one of more than 256 differentiated elements;
* ``jax=`` the ``jax.scipy.stats`` function wherever JAX has it (all but ``t.cdf``,
  ``t.logcdf`` and ``multivariate_normal.entropy``; PyTorch's
  ``MultivariateNormal.entropy`` is the oracle of the last), and ``check=`` SciPy's
  ``scipy.stats`` value (the value oracle of the functions JAX lacks);
* the shape parameters of the cdfs built on the incomplete gamma and beta functions
  (``t.cdf``/``t.logcdf`` in ``df``, ``gamma.cdf`` in ``a``, ``chi2.cdf`` in ``df``,
  ``beta.cdf`` in ``a``, ``b``) in separate samples: finite differences (order 2) are
  their oracle, and JAX too for ``gamma``/``chi2`` (JAX has no derivative of betainc in
  ``a``, ``b``, and no ``t.cdf``);
* for the distributions with a bounded support, a sample with ``x`` outside it (and on
  its boundary): SciPy's -inf logpdf / 0 pdf / 0 or 1 cdf, finite derivatives wherever
  SciPy's value is finite, exactly 0 where it is constant (``check=``).

``poisson``: ``k`` and ``loc`` are discrete and never differentiated (asking is a
TypeError, ``check=``).  ``multivariate_normal``: a covariance argument is read as
NumPy's and SciPy's eigh/Cholesky read it (its lower triangle), so the JAX oracle gets
that matrix (``_jsym``); ``allow_singular=True`` with a rank-deficient cov (JAX has no
``allow_singular``) is checked against SciPy's values and by finite differences along
directions that stay in the support (``x`` and ``mean`` in the range of cov, cov
perturbed within its range).
"""
import numpy as np
import scipy.stats as sst
import torch

import yaae as ya

from . import Sample, add

S = ya.scipy.stats
_r = np.random.default_rng(20261130)     # this file's own stream (the others' inputs stay put)


def U(lo, hi, *shape):
    return _r.uniform(lo, hi, shape)


def U0(lo, hi):
    """A 0-d array."""
    return np.asarray(_r.uniform(lo, hi))


def jst(dist, method, cov=None):
    """``jax.scipy.stats.<dist>.<method>``, imported when the oracle runs; ``cov``: the
    index of a covariance argument, given to JAX as the matrix yaae and SciPy read."""
    def f(*a, **k):
        import jax.scipy.stats
        a = list(a)
        if cov is not None:
            a[cov] = _jsym(a[cov])
        return getattr(getattr(jax.scipy.stats, dist), method)(*a, **k)
    return f


def _jsym(c):
    import jax.numpy as jnp
    low = jnp.tril(c, -1)
    return low + low.T + jnp.diag(jnp.diagonal(c))


def _tsym(c):
    low = torch.tril(c, -1)
    return low + low.mT + torch.diag_embed(torch.diagonal(c))


def _public(dist, method):
    return getattr(getattr(S, dist), method)


def scipy_value(dist, method, kw=None, rtol=1e-10):
    """check=: SciPy's value, -inf and 0 included."""
    def check(out, *args):
        want = getattr(getattr(sst, dist), method)(*args, **(kw or {}))
        got = np.asarray(out.data)
        assert got.shape == np.shape(want) and got.dtype == np.float64, (got.shape, got.dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)
    check.__doc__ = f"scipy.stats.{dist}.{method}'s value"
    return check


def _name(dist, method):
    return f"scipy.stats.{dist}.{method}"


# ---- location-scale families ----------------------------------------------------------------
# dist: (methods, x range, shape-parameter ranges, loc range, scale range)
_FAMILIES = {
    "norm": ("pdf cdf sf logpdf logcdf logsf", (-3.0, 3.0), (), (-0.5, 0.5), (0.5, 2.0)),
    "t": ("pdf cdf logpdf logcdf", (-4.0, 4.0), ((1.0, 6.0),), (-0.5, 0.5), (0.5, 2.0)),
    "gamma": ("pdf logpdf cdf", (0.1, 5.0), ((0.5, 4.0),), (-0.05, 0.05), (0.8, 1.5)),
    "chi2": ("pdf logpdf cdf", (0.2, 6.0), ((1.0, 5.0),), (-0.05, 0.05), (0.8, 1.5)),
    "beta": ("pdf logpdf cdf", (0.05, 0.95), ((0.5, 3.0), (0.5, 3.0)), (-0.02, 0.02),
             (1.0, 1.05)),
    "laplace": ("pdf logpdf cdf", (-3.0, 3.0), (), (-0.5, 0.5), (0.5, 2.0)),
    "expon": ("pdf logpdf cdf", (0.1, 4.0), (), (-0.05, 0.05), (0.8, 1.5)),
    "uniform": ("pdf logpdf cdf", (0.05, 0.95), (), (-0.02, 0.02), (1.0, 1.05)),
    "logistic": ("pdf logpdf cdf", (-3.0, 3.0), (), (-0.5, 0.5), (0.5, 2.0)),
    "cauchy": ("pdf logpdf cdf", (-3.0, 3.0), (), (-0.5, 0.5), (0.5, 2.0)),
}
# the cdfs on the incomplete gamma/beta functions: their shape parameters have samples of
# their own (JAX has no t.cdf, t.logcdf, and no derivative of betainc in a and b)
_INC = {"t.cdf", "t.logcdf", "gamma.cdf", "chi2.cdf", "beta.cdf"}
_NO_JAX = {"t.cdf", "t.logcdf"}
_SHAPE_SHAPES = ((3,), (4, 1))


def _ls_samples(dist, method):
    methods, (xl, xh), shapes, (ll, lh), (sl, sh) = _FAMILIES[dist]
    key = f"{dist}.{method}"
    jax = None if key in _NO_JAX else jst(dist, method)
    nshape = len(shapes)
    check = scipy_value(dist, method)
    # x, loc, scale inside the support; differentiated: x, loc, scale, and the shape
    # parameters (but those of the _INC cdfs: in their own samples)
    keep = tuple(i for i in range(2 + nshape + 1) if key not in _INC or not 1 <= i <= nshape)

    def args(xshape, sshapes, lshape, scshape):
        return ((U(xl, xh, *xshape),) + tuple(U(lo, hi, *s) for (lo, hi), s in
                                              zip(shapes, sshapes))
                + (U(ll, lh, *lshape), U(sl, sh, *scshape)))
    out = [
        Sample(*args((4, 3), _SHAPE_SHAPES, (3,), (4, 1)), diff=keep, jax=jax,
               order2=True, check=check, name="bcast"),
        Sample(*(np.asarray(a) for a in args((), [()] * nshape, (), ())), diff=keep, jax=jax,
               order2=True, check=check, name="0d"),
        Sample(*args((20, 15), [(15,)] * nshape, (1, 15), (20, 1)), diff=keep, jax=jax,
               check=check, name="big"),
        # scalars for loc and scale (Python numbers: not differentiated)
        Sample(U(xl, xh, 5), *(U(lo, hi, 5) for lo, hi in shapes), float(U(ll, lh)),
               float(U(sl, sh)), jax=jax, check=check, name="numbers",
               diff=(0,) if key in _INC else None),
    ]
    if key in _INC:   # the shape parameters too: finite differences, SciPy's values, and
        # JAX for gamma and chi2 (whose gammainc has a derivative in a; its betainc has none)
        jax = jst(dist, method) if dist in ("gamma", "chi2") else None
        out.append(Sample(*args((4, 3), _SHAPE_SHAPES, (3,), (4, 1)), order2=True, jax=jax,
                          check=check, name="shape-params"))
        out.append(Sample(*(np.asarray(a) for a in args((), [()] * nshape, (), ())),
                          order2=True, jax=jax, check=check, name="shape-params-0d"))
    return out


for _dist, (_methods, *_) in _FAMILIES.items():
    for _m in _methods.split():
        add(_name(_dist, _m), *_ls_samples(_dist, _m))

# t.cdf switches formulas per element: at x == loc, and where (x - loc)^2 == df scale^2
# (centre and tails); smooth through both, to order 2, in x, df, loc and scale
_SQ3 = np.sqrt(3.0)
for _m in ("cdf", "logcdf"):
    add(_name("t", _m),
        Sample(0.5 + np.array([0.0, _SQ3, -_SQ3, 0.0, -1.0, 2.5]),
               np.array([3.0, 3.0, 3.0, 1.5, 3.0, 3.0]), np.array(0.5), np.array(1.0),
               order2=True, check=scipy_value("t", _m), name="branch-switch"))


# ---- outside the support ---------------------------------------------------------------------
def outside(dist, method, diff, strict):
    """check=: SciPy's values (-inf, 0, 1 off the support), and the derivatives in the
    arguments ``diff``: finite wherever SciPy's value is finite, and 0 in ``x`` (argument 0)
    at the points ``strict`` strictly outside the support (where the value is constant),
    in both modes.  (On the boundary the value has a kink or a jump: no derivative is
    asserted there but a finite one.)"""
    value = scipy_value(dist, method)

    def check(out, *args):
        value(out, *args)
        f = _public(dist, method)
        ok = np.isfinite(out.data)

        def g(*xs):
            a = list(args)
            for i, x in zip(diff, xs):
                a[i] = x
            return f(*a)
        xs = [args[i] for i in diff]
        _, vjp = ya.vjp(g, *xs)
        grads = vjp(np.where(ok, 1.0, 0.0))
        for i, d in zip(diff, grads):     # (every argument has x's shape here)
            assert np.all(np.isfinite(np.asarray(d)[ok])), (dist, method, i, d)
        if diff[0] == 0:
            assert np.all(np.asarray(grads[0])[strict] == 0), grads[0]
        for k, x in enumerate(xs):
            t = [np.zeros_like(v) for v in xs]
            t[k] = np.ones_like(x)
            _, jt = ya.jvp(g, tuple(xs), tuple(t))
            assert np.all(np.isfinite(np.asarray(jt)[ok])), (dist, method, k, jt)
            if k == 0 and diff[0] == 0:
                assert np.all(np.asarray(jt)[strict] == 0), jt
    check.__doc__ = f"{dist}.{method} outside the support"
    return check


# x below, on the boundary of and above the support, with loc and scale arrays; fd=False:
# the value jumps there (finite differences are the other samples' oracle)
_OUT = {
    "gamma": ([-1.0, -0.2, 0.0, 0.0, 1.5, 3.0], [[1.0, 2.0, 1.0, 2.0, 1.5, 2.5]]),
    "chi2": ([-1.0, -0.2, 0.0, 0.0, 1.5, 3.0], [[2.0, 3.0, 2.0, 4.0, 2.5, 3.0]]),
    "beta": ([-0.5, 0.0, 0.0, 0.3, 1.0, 1.0, 1.5],
             [[2.0, 1.0, 2.0, 0.7, 1.0, 3.0, 2.0], [2.0, 1.0, 3.0, 1.8, 1.0, 2.0, 2.0]]),
    "expon": ([-1.0, -0.2, 0.0, 0.5, 3.0], []),
    "uniform": ([-1.0, -0.2, 0.0, 0.5, 1.0, 1.5], []),
}
for _dist, (_x, _shapes) in _OUT.items():
    for _m in _FAMILIES[_dist][0].split():
        _key = f"{_dist}.{_m}"
        _x0 = np.array(_x)
        _args = (_x0,) + tuple(np.array(s) for s in _shapes) + (np.zeros_like(_x0),
                                                                np.ones_like(_x0))
        _diff = tuple(i for i in range(len(_args))
                      if _key not in _INC or not 1 <= i <= len(_shapes))
        _strict = (_x0 < 0) | (_x0 > 1) if _dist in ("beta", "uniform") else _x0 < 0
        add(_name(_dist, _m),
            Sample(*_args, diff=_diff, fd=False, check=outside(_dist, _m, _diff, _strict),
                   name="support"))


# ---- poisson: k discrete, mu differentiable --------------------------------------------------
def _k_refused(method):
    def check(out, k, mu, *rest):
        f = _public("poisson", method)
        for i in (0, 2):
            args = [k, mu, rest[0] if rest else np.zeros(())]
            try:
                ya.grad(lambda v: ya.sum(f(*[v if j == i else a for j, a in enumerate(args)])))(
                    np.asarray(args[i], float))
            except TypeError as e:
                assert "no derivative with respect to k or loc" in str(e), e
            else:
                raise AssertionError(f"poisson.{method}: a derivative in argument {i}")
    check.__doc__ = f"poisson.{method}: no derivative in k or loc"
    return check


for _m in ("pmf", "logpmf", "cdf"):
    _j, _c = jst("poisson", _m), scipy_value("poisson", _m)
    add(_name("poisson", _m),
        Sample(np.floor(U(2, 8, 4, 3)), U(0.5, 4.0, 3), np.array([[0.0], [1.0], [0.0], [2.0]]),
               diff=(1,), jax=_j, order2=True, check=_c, name="bcast"),
        Sample(np.array(3.0), U0(0.5, 4.0), diff=(1,), jax=_j, order2=True,
               check=_c, name="0d"),
        Sample(np.floor(U(0, 9, 20, 15)), U(0.5, 6.0, 20, 15), diff=(1,), jax=_j,
               check=_c, name="big"),
        # k negative or not an integer (pmf 0, logpmf -inf); mu -> 0 at k == 0
        Sample(np.array([-1.0, 0.0, 1.5, 3.0, 0.0, 2.0]),
               np.array([2.0, 1e-3, 2.0, 2.0, 0.7, 0.7]), diff=(1,), fd=False,
               check=outside("poisson", _m, (1,), None), name="support"),
        Sample(np.array([1.0, 2.0, 5.0]), U(0.5, 4.0, 3), np.array(1.0), diff=(1,), order2=True,
               check=_k_refused(_m), name="k-refused"))


# ---- dirichlet -------------------------------------------------------------------------------
def _simplex(k, n):
    """``n`` points inside the simplex, as SciPy's layout: components along the first axis."""
    return _r.dirichlet(np.full(k, 2.0), n).T


for _m in ("pdf", "logpdf"):
    _j, _c = jst("dirichlet", _m), scipy_value("dirichlet", _m)
    add(_name("dirichlet", _m),
        # K - 1 components given (the last is 1 - their sum): finite differences stay on
        # the simplex
        Sample(_simplex(3, 4)[:2], U(0.5, 3.0, 3), jax=_j, order2=True, check=_c, name="K-1"),
        Sample(_simplex(4, 1)[:3, 0], U(0.5, 3.0, 4), jax=_j, order2=True, check=_c,
               name="one-point"),        # (a 0-d result: x is at least a vector)
        # all K components: alpha only (x must stay on the simplex)
        Sample(_simplex(3, 5), U(0.5, 3.0, 3), diff=(1,), jax=_j, order2=True, check=_c,
               name="K"),
        Sample(_simplex(4, 90)[:3], U(0.5, 3.0, 4), jax=_j, check=_c, name="big"))


# ---- multivariate_normal ---------------------------------------------------------------------
def _spd(n):
    a = _r.standard_normal((n, n))
    return a @ a.T / n + np.eye(n)


for _m in ("pdf", "logpdf"):
    _j, _c = jst("multivariate_normal", _m, cov=2), scipy_value("multivariate_normal", _m)
    add(_name("multivariate_normal", _m),
        Sample(U(-2.0, 2.0, 5, 3), U(-0.5, 0.5, 3), _spd(3), jax=_j, order2=True, check=_c,
               name="full-cov"),
        # mean broadcast over x's leading dimensions
        Sample(U(-2.0, 2.0, 2, 4, 3), U(-0.5, 0.5, 3), _spd(3), jax=_j, check=_c,
               name="batch"),
        Sample(U(-2.0, 2.0, 3), U(-0.5, 0.5, 3), _spd(3), jax=_j, order2=True, check=_c,
               name="one-point"),
        Sample(U(-2.0, 2.0, 100, 3), U(-0.5, 0.5, 3), _spd(3), jax=_j, check=_c, name="big"))


def _t_entropy(mean, cov):
    return torch.distributions.MultivariateNormal(mean, covariance_matrix=_tsym(cov)).entropy()


add(_name("multivariate_normal", "entropy"),
    Sample(U(-0.5, 0.5, 3), _spd(3), torch=_t_entropy, order2=True,
           check=scipy_value("multivariate_normal", "entropy"), name="full-cov"),
    Sample(np.zeros(1), np.asarray(U0(0.5, 2.0)), torch=lambda m, c: torch.distributions.Normal(
        m[0], torch.sqrt(c)).entropy(), order2=True, name="1-d"),
    Sample(U(-0.5, 0.5, 17), _spd(17), torch=_t_entropy, name="big"))


# ---- multivariate_normal, a singular cov (allow_singular=True) -------------------------------
# cov = B S B' of rank 2 in 3-D (B orthonormal 3 x 2); x = mean + B z on the support and two
# points off it (-inf).  JAX has no allow_singular: SciPy's values, and finite differences
# along directions that stay in the support (x and mean moved within the range of cov, cov
# within B . B'), in both modes, are the oracles.
_B = np.linalg.qr(_r.standard_normal((3, 2)))[0]
_S2 = np.array([[1.5, 0.4], [0.4, 0.8]])
_COV_SING = _B @ _S2 @ _B.T
_MEAN_SING = U(-0.5, 0.5, 3)
_X_SING = np.concatenate([_MEAN_SING + U(-1.5, 1.5, 5, 2) @ _B.T,
                          _MEAN_SING + np.cross(_B[:, 0], _B[:, 1]) * np.array([[0.3], [-1.0]])])


def _in_support_directions(npoints):
    """Tangents (x, mean, cov) that keep x - mean in the range of cov and cov's range."""
    r = np.random.default_rng(5)
    ds = r.standard_normal((2, 2))
    return (r.standard_normal((npoints, 2)) @ _B.T, _B @ r.standard_normal(2),
            _B @ (ds + ds.T) @ _B.T)


def singular(method, diff):
    value = scipy_value("multivariate_normal", method, {"allow_singular": True}
                        if method != "entropy" else None)

    def check(out, *args):
        value(out, *args)
        f = _public("multivariate_normal", method)
        kw = {"allow_singular": True} if method != "entropy" else {}

        def g(*xs):
            a = list(args)
            for i, v in zip(diff, xs):
                a[i] = v
            return f(*a, **kw)
        xs = tuple(args[i] for i in diff)
        dirs = _in_support_directions(len(args[0]))
        ts = tuple(dirs[i + (method == "entropy")] for i in diff)   # (entropy: mean, cov)
        ok = np.isfinite(out.data)
        u = np.where(ok, np.random.default_rng(9).standard_normal(out.shape), 0.0)
        _, jt = ya.jvp(g, xs, ts)
        jt = np.asarray(jt)
        assert np.all(np.isfinite(jt[ok])) and np.all(jt[~ok] == 0), jt
        eps = 1e-6
        fp = np.asarray(g(*[v + eps * t for v, t in zip(xs, ts)]).data)[ok]
        fm = np.asarray(g(*[v - eps * t for v, t in zip(xs, ts)]).data)[ok]
        np.testing.assert_allclose(jt[ok], (fp - fm) / (2 * eps), rtol=1e-6, atol=1e-8)
        # reverse mode: the adjoint of the forward mode
        grads = ya.vjp(g, *xs)[1](u)
        lhs = float(np.sum(u * jt))
        rhs = float(sum(np.sum(np.asarray(d) * t) for d, t in zip(grads, ts)))
        assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs)), (lhs, rhs)
        assert all(np.all(np.isfinite(np.asarray(d))) for d in grads)
    check.__doc__ = f"multivariate_normal.{method}, singular cov"
    return check


for _m in ("pdf", "logpdf"):
    add(_name("multivariate_normal", _m),
        Sample(_X_SING, _MEAN_SING, _COV_SING, kw={"allow_singular": True}, fd=False,
               check=singular(_m, (0, 1, 2)), name="singular"))
add(_name("multivariate_normal", "entropy"),
    Sample(_MEAN_SING, _COV_SING, diff=(0, 1), fd=False, check=singular("entropy", (0, 1)),
           name="singular"))
