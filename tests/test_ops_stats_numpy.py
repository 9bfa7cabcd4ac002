"""The statistics family (``yaae/ops/stats.py``) against NumPy: values over
the argument forms, ``np.NAME(tensor)`` dispatch, the NaN-ignoring reductions'
gradients (zero at NaNs, no NaN anywhere else, at every order), all-NaN
slices, axis errors, and the documented derivative conventions."""
import warnings

import numpy as np
import pytest

import yaae as ya
from yaae.testing import gradcheck

rng = np.random.default_rng(8)
A = rng.standard_normal((3, 4, 5))
AN = A.copy()
AN[0, 1, 2] = AN[2, 0, 4] = AN[1, 3, 0] = np.nan
AXES = [None, 0, -1, (0, 2), (2, 0, 1)]
METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf",
           "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
           "hazen", "weibull", "median_unbiased", "normal_unbiased"]


def same(got, want, tol=1e-12):
    """``got`` (a Tensor, or a tuple of them) equals NumPy's ``want``: value,
    shape and dtype."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w, tol)
        return
    assert isinstance(got, ya.Tensor), type(got)
    g = np.asarray(got.data)
    assert g.shape == np.shape(want), (g.shape, np.shape(want))
    assert g.dtype == np.asarray(want).dtype, (g.dtype, np.asarray(want).dtype)
    if g.dtype == np.float32:
        tol = max(tol, 1e-6)
    np.testing.assert_allclose(g, want, rtol=tol, atol=tol)


def both(name, *args, **kw):
    """ya.NAME and np.NAME on Tensors both equal np.NAME on ndarrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = getattr(np, name)(*args, **kw)
        same(getattr(ya, name)(*args, **kw), want)
        targs = [ya.Tensor(a) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                 for a in args]
        if any(isinstance(a, ya.Tensor) for a in targs):
            same(getattr(np, name)(*targs, **kw), want)


# ---- values ---------------------------------------------------------------------------
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_equal_numpy(axis, keepdims):
    for name in ("ptp", "median", "average"):
        both(name, A, axis=axis, keepdims=keepdims)
    for name in ("nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod"):
        both(name, AN, axis=axis, keepdims=keepdims)
        both(name, A, axis=axis, keepdims=keepdims)
    both("nanvar", AN, axis=axis, keepdims=keepdims, ddof=1)
    both("nanstd", AN, axis=axis, keepdims=keepdims, ddof=2)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)])
def test_quantile_percentile_equal_numpy(method, axis):
    for keepdims in (False, True):
        for q in (0.3, 0, 1, np.float64(0.55), np.array(0.7), np.array([0.0, 0.25, 0.5, 1.0]),
                  np.array([[0.1, 0.9], [0.33, 0.66]])):
            both("quantile", A, q, axis=axis, keepdims=keepdims, method=method)
            p = q * 100 if not isinstance(q, int) else q * 100
            both("percentile", A, p, axis=axis, keepdims=keepdims, method=method)


@pytest.mark.parametrize("axis,wshape", [(None, (3, 4, 5)), (1, (4,)), (-1, (3, 4, 5)),
                                         ((0, 2), (3, 5))])
def test_weighted_quantiles(axis, wshape):
    w = rng.uniform(0, 1, wshape)
    for q in (0.3, np.array([0.0, 0.5, 1.0]), np.array([[0.2, 0.4], [0.6, 0.8]])):
        for keepdims in (False, True):
            both("quantile", A, q, axis=axis, weights=w, method="inverted_cdf",
                 keepdims=keepdims)
            both("percentile", A, q * 100, axis=axis, weights=w, method="inverted_cdf",
                 keepdims=keepdims)
    both("quantile", AN, 0.5, axis=axis, weights=w, method="inverted_cdf")
    # the gradient goes to the selected elements
    g = ya.grad(lambda t: ya.sum(ya.quantile(t, 0.4, axis=axis, weights=w,
                                             method="inverted_cdf")))(A)
    val = np.quantile(A, 0.4, axis=axis, weights=w, method="inverted_cdf", keepdims=True)
    assert np.all(g[A != val] == 0)
    assert g.sum() == np.size(val)


def test_quantile_float32_and_ints():
    a32 = A.astype(np.float32)
    both("quantile", a32, 0.3, axis=1)                 # Python float q: stays float32
    both("quantile", a32, np.array([0.3]), axis=1)     # array q: float64, as NumPy
    both("median", a32, axis=0)
    both("percentile", a32, 40)
    ints = rng.integers(0, 10, (4, 5))
    both("median", ints, axis=1)
    both("quantile", ints, 0.4)
    both("average", ints, axis=0)


def test_quantile_nan_slices():
    both("median", AN, axis=-1)
    both("quantile", AN, [0.2, 0.8], axis=0)
    both("percentile", AN, 50.0, axis=(0, 1))


def test_average_forms():
    w4 = rng.uniform(0.5, 1, 4)
    both("average", A, axis=1, weights=w4)
    both("average", A, axis=1, weights=w4, returned=True)
    both("average", A, axis=(0, 2), weights=rng.uniform(0.5, 1, (3, 5)), returned=True,
         keepdims=True)
    both("average", A, axis=(2, 0), weights=rng.uniform(0.5, 1, (5, 3)))
    both("average", A, weights=rng.uniform(0.5, 1, A.shape), returned=True)
    both("average", A, returned=True)
    both("average", A.astype(np.float32), axis=0, weights=w4[:3].astype(np.float32))
    with pytest.raises(ZeroDivisionError):
        ya.average(A, axis=1, weights=np.zeros(4))
    with pytest.raises(TypeError):
        ya.average(A, weights=w4)
    with pytest.raises(ValueError):
        ya.average(A, axis=0, weights=w4)


def test_trapezoid_forms():
    y = rng.standard_normal((4, 7))
    x = np.sort(rng.standard_normal(7))
    both("trapezoid", y)
    both("trapezoid", y, x)
    both("trapezoid", y, dx=0.3)
    both("trapezoid", y, np.sort(rng.standard_normal((4, 7)), axis=1))
    both("trapezoid", y.T, x, axis=0)
    both("trapezoid", y, x=x[None, :], axis=-1)
    both("trapezoid", y.astype(np.float32))


def test_interp_forms():
    xp = np.sort(rng.uniform(-1, 1, 6))
    fp = rng.standard_normal(6)
    xs = np.concatenate([rng.uniform(-1.5, 1.5, 20), xp, [np.nan, np.inf, -np.inf]])
    both("interp", xs, xp, fp)
    both("interp", xs, xp, fp, left=-5.0, right=7.0)
    both("interp", 0.3, xp, fp)
    both("interp", xs.reshape(-1, 1), xp, fp)
    both("interp", xs, xp, fp, period=0.7)
    both("interp", xs, xp, fp, period=-1.3)
    both("interp", xs, xp[:1], fp[:1])
    both("interp", xs.astype(np.float32), xp, fp)      # float64, as NumPy
    both("interp", xs, xp, np.array([0, 1, np.inf, 2, 3, 4.0]))
    with pytest.raises(ValueError, match="not of the same length"):
        ya.interp(xs, xp, fp[:3])
    with pytest.raises(ValueError, match="empty"):
        ya.interp(xs, [], [])
    with pytest.raises(ValueError, match="period"):
        ya.interp(xs, xp, fp, period=0)


@pytest.mark.parametrize("n,m", [(7, 3), (3, 7), (6, 4), (4, 6), (5, 5), (1, 4), (6, 1),
                                 (8, 2), (2, 8), (1, 1)])
def test_convolve_correlate_modes(n, m):
    u, v = rng.standard_normal(n), rng.standard_normal(m)
    for mode in ("full", "same", "valid", 0, 1, 2):
        both("convolve", u, v, mode)
        both("correlate", u, v, mode)
    both("convolve", u, v)
    both("correlate", u, v)


def test_convolve_correlate_dtypes_and_errors():
    both("convolve", np.array([1, 2, 3]), np.array([0, 1]))
    both("correlate", np.float32([1, 2, 3]), np.float32([0, 1.5]))
    both("convolve", 2.0, np.array([1.0, 3.0]))
    with pytest.raises(ValueError, match="a cannot be empty"):
        ya.convolve([], [1.0])
    with pytest.raises(ValueError, match="second array argument cannot be empty"):
        ya.correlate([1.0], [])
    with pytest.raises(ValueError):
        ya.convolve([1.0, 2.0], [1.0], "nope")
    with pytest.raises(ValueError):
        ya.correlate([1.0, 2.0], [1.0], 3)


def test_polyval_forms():
    both("polyval", rng.standard_normal(5), A)
    both("polyval", np.array([1.0, 2.0, 3.0]), 2.0)
    both("polyval", np.float32([1, 2]), np.float32(A))
    both("polyval", np.array([3.0]), A)


def test_cov_corrcoef_forms():
    m, y = rng.standard_normal((3, 8)), rng.standard_normal((2, 8))
    fw, aw = rng.integers(1, 4, 8), rng.uniform(0.2, 1, 8)
    for kw in [{}, {"bias": True}, {"ddof": 2}, {"fweights": fw}, {"aweights": aw},
               {"fweights": fw, "aweights": aw}, {"aweights": aw, "ddof": 0},
               {"aweights": aw, "bias": True}]:
        both("cov", m, **kw)
        both("cov", m, y, **kw)
        both("cov", m.T, rowvar=False, **kw)
    both("cov", m[0])
    both("cov", m[0], m[1])
    both("cov", m.astype(np.float32))          # float64, as NumPy
    both("cov", m, dtype=np.float32)
    both("corrcoef", m)
    both("corrcoef", m, y)
    both("corrcoef", m[0])
    both("corrcoef", m.T, rowvar=False)
    both("corrcoef", m[0], m[1])
    with pytest.raises(ValueError, match="ddof must be integer"):
        ya.cov(m, ddof=1.5)
    with pytest.raises(TypeError, match="fweights must be integer"):
        ya.cov(m, fweights=aw)


# ---- errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ptp", "median", "average", "nansum", "nanmean", "nanvar",
                                  "nanstd", "nanmax", "nanmin", "nanprod"])
def test_axis_out_of_range_raises_axis_error(name):
    for axis in (3, -4, (0, 5)):
        with pytest.raises(np.exceptions.AxisError):
            getattr(ya, name)(A, axis=axis)


def test_quantile_errors():
    for axis in (3, -4):
        with pytest.raises(np.exceptions.AxisError):
            ya.quantile(A, 0.5, axis=axis)
    with pytest.raises(np.exceptions.AxisError):
        ya.trapezoid(A, axis=3)
    with pytest.raises(ValueError, match=r"Quantiles must be in the range \[0, 1\]"):
        ya.quantile(A, 1.5)
    with pytest.raises(ValueError, match=r"Percentiles must be in the range \[0, 100\]"):
        ya.percentile(A, -1)
    with pytest.raises(ValueError, match="is not a valid method"):
        ya.quantile(A, 0.5, method="bogus")
    with pytest.raises(ValueError, match="Only method 'inverted_cdf' supports weights"):
        ya.quantile(A, 0.5, weights=np.ones_like(A))
    with pytest.raises(ValueError, match="Weights must be non-negative"):
        ya.quantile(A, 0.5, method="inverted_cdf", weights=-np.ones_like(A))
    with pytest.raises(TypeError, match="out="):
        ya.median(A, out=np.empty(()))


# ---- np.NAME(tensor) dispatch keeps the gradient ---------------------------------------
def _g(f, *args):
    return ya.grad(f)(*args)


def test_numpy_dispatch_differentiates():
    x = rng.standard_normal(7)
    w = rng.uniform(0.5, 1.5, 7)
    cases = [
        (lambda t: np.ptp(t), lambda t: ya.ptp(t)),
        (lambda t: np.median(t), lambda t: ya.median(t)),
        (lambda t: np.quantile(t, 0.3), lambda t: ya.quantile(t, 0.3)),
        (lambda t: np.percentile(t, 30), lambda t: ya.percentile(t, 30)),
        (lambda t: np.average(t, weights=w), lambda t: ya.average(t, weights=w)),
        (lambda t: np.trapezoid(t * t), lambda t: ya.trapezoid(t * t)),
        (lambda t: np.interp(0.25, np.linspace(-1, 1, 7), t),
         lambda t: ya.interp(0.25, np.linspace(-1, 1, 7), t)),
        (lambda t: np.sum(np.convolve(t, w[:3], "same") ** 2),
         lambda t: ya.sum(ya.convolve(t, w[:3], "same") ** 2)),
        (lambda t: np.sum(np.correlate(t, w[:3], "full") ** 2),
         lambda t: ya.sum(ya.correlate(t, w[:3], "full") ** 2)),
        (lambda t: np.sum(np.polyval(t, w)), lambda t: ya.sum(ya.polyval(t, w))),
        (lambda t: np.sum(np.cov(np.stack([t, t * t])) ** 2),
         lambda t: ya.sum(ya.cov(ya.stack([t, t * t])) ** 2)),
        (lambda t: np.sum(np.corrcoef(t, w * t + t * t)),
         lambda t: ya.sum(ya.corrcoef(t, w * t + t * t))),
    ]
    for np_f, ya_f in cases:
        out = np_f(ya.Tensor(x))
        assert isinstance(out, ya.Tensor)
        g_np, g_ya = _g(np_f, x), _g(ya_f, x)
        assert np.any(g_ya != 0)
        np.testing.assert_allclose(g_np, g_ya, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin", "nanprod"])
def test_numpy_dispatch_nan_functions(name):
    x = AN[0]
    g_np = ya.grad(lambda t: getattr(np, name)(t))(x)
    g_ya = ya.grad(lambda t: getattr(ya, name)(t))(x)
    np.testing.assert_allclose(g_np, g_ya, rtol=1e-12, atol=1e-14)
    assert np.all(g_ya[np.isnan(x)] == 0)


# ---- NaN-ignoring reductions: gradients ------------------------------------------------------
NAN_FNS = ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod"]


@pytest.mark.parametrize("name", NAN_FNS)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_nan_gradients_zero_at_nans_finite_elsewhere(name, axis):
    f = getattr(ya, name)
    x = AN * 0.5 + (1.0 if name == "nanprod" else 0.0)
    g = ya.grad(lambda t: ya.sum(f(t, axis=axis) ** 2))(x)
    nan = np.isnan(x)
    assert np.all(g[nan] == 0)
    assert np.all(np.isfinite(g))
    # the same as the plain reduction on the non-NaN entries (NaNs as neutral elements)
    if name in ("nansum", "nanprod"):
        fill = 0.0 if name == "nansum" else 1.0
        plain = getattr(ya, name[3:])
        g2 = ya.grad(lambda t: ya.sum(plain(ya.where(nan, fill, t), axis=axis) ** 2))(x)
        np.testing.assert_allclose(g, g2, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAN_FNS)
def test_nan_gradients_order2_finite(name):
    f = getattr(ya, name)
    x = AN[:, :, :3] * 0.5 + (1.0 if name == "nanprod" else 0.0)
    h = ya.hessian(lambda t: ya.sum(f(t, axis=1) ** 2))(x)
    assert np.all(np.isfinite(h))
    nan = np.isnan(x).reshape(-1)
    hf = h.reshape(x.size, x.size)
    assert np.all(hf[nan] == 0) and np.all(hf[:, nan] == 0)
    # forward-over-forward and reverse-over-reverse agree and are finite
    jj = ya.jacfwd(ya.jacfwd(lambda t: f(t, axis=1)))(x)
    rr = ya.jacrev(ya.jacrev(lambda t: f(t, axis=1)))(x)
    assert np.all(np.isfinite(jj)) and np.all(np.isfinite(rr))
    np.testing.assert_allclose(jj, rr, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAN_FNS)
def test_nan_gradients_match_finite_differences(name):
    # finite differences on the non-NaN entries (NaN entries stay NaN when perturbed)
    x = AN[:, :2, :] * 0.5 + (1.0 if name == "nanprod" else 0.0)
    f = getattr(ya, name)
    assert gradcheck(lambda t: f(t, axis=-1), x, modes=("rev", "fwd"), order=2)


ALLNAN = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [2.0, 5.0, np.nan]])


@pytest.mark.parametrize("name,msg", [("nanmax", "All-NaN slice encountered"),
                                      ("nanmin", "All-NaN slice encountered"),
                                      ("nanmean", "Mean of empty slice"),
                                      ("nanvar", "Degrees of freedom <= 0"),
                                      ("nanstd", "Degrees of freedom <= 0")])
def test_all_nan_slices(name, msg):
    f = getattr(ya, name)
    with pytest.warns(RuntimeWarning, match=msg):
        want = getattr(np, name)(ALLNAN, axis=1)
    with pytest.warns(RuntimeWarning, match=msg):
        got = f(ALLNAN, axis=1)
    same(got, want)
    assert np.isnan(got.data[1])
    with pytest.warns(RuntimeWarning, match=msg):
        got = np.__dict__[name](ya.Tensor(ALLNAN), axis=1)
    same(got, want)
    # gradients: zero on the NaNs, finite elsewhere, the all-NaN slice contributes nothing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ya.grad(lambda t: ya.sum(ya.where(np.isnan(f(t, axis=1).data), 0.0,
                                              f(t, axis=1))))(ALLNAN)
        h = ya.hessian(lambda t: ya.sum(ya.where(np.isnan(f(t, axis=1).data), 0.0,
                                                 f(t, axis=1)) ** 2))(ALLNAN)
        _, tan = ya.jvp(lambda t: f(t, axis=1), (ALLNAN,), (np.ones_like(ALLNAN),))
    assert np.all(np.isfinite(g)) and np.all(g[np.isnan(ALLNAN)] == 0)
    assert np.all(np.isfinite(h))
    assert np.all(np.isfinite(np.asarray(tan)))


def test_nansum_nanprod_all_nan_is_neutral():
    same(ya.nansum(ALLNAN, axis=1), np.nansum(ALLNAN, axis=1))
    same(ya.nanprod(ALLNAN, axis=1), np.nanprod(ALLNAN, axis=1))
    g = ya.grad(lambda t: ya.sum(ya.nanprod(t, axis=1)))(ALLNAN)
    assert np.all(np.isfinite(g)) and np.all(g[np.isnan(ALLNAN)] == 0)


def test_nan_function_extras():
    w = rng.random(AN.shape) < 0.7
    both("nansum", AN, axis=1, where=w)
    both("nanmean", AN, axis=1, where=w)
    both("nanvar", AN, axis=1, where=w)
    both("nanmax", AN, axis=1, where=w, initial=-10.0)
    both("nansum", AN, axis=0, initial=2.0)
    both("nanprod", AN, axis=0, initial=2.0)
    both("nanmin", AN, axis=0, initial=0.1)
    both("nanvar", AN, axis=1, correction=1)
    both("nanstd", AN, axis=2, dtype=np.float32)
    both("nanmean", AN.astype(np.float32), axis=2)
    both("nansum", rng.integers(0, 5, (3, 4)), axis=0)
    both("nanmean", rng.integers(0, 5, (3, 4)), axis=0)
    mu = np.nanmean(AN, axis=1, keepdims=True)
    both("nanvar", AN, axis=1, mean=mu)
    with pytest.raises(ValueError):
        ya.nanmax(AN, axis=1, where=w)


# ---- derivative conventions ----------------------------------------------------------------
def test_median_quantile_gradient_goes_to_order_statistics():
    x = np.array([3.0, -1.0, 4.0, 1.5, 9.0, 2.6])
    g = ya.grad(lambda t: ya.median(t))(x)          # even: half to each middle element
    np.testing.assert_allclose(g, [0.5, 0, 0, 0, 0, 0.5])
    g = ya.grad(lambda t: ya.quantile(t, 0.3))(x)   # (n-1)q = 1.5: 1.5 -> 0.5, 2.6 -> 0.5
    np.testing.assert_allclose(g, [0, 0, 0, 0.5, 0, 0.5])
    # in q: (next - previous) * (n - 1)
    gq = ya.grad(lambda q: ya.quantile(x, q), argnums=0)(np.array(0.3))
    np.testing.assert_allclose(gq, (2.6 - 1.5) * 5)
    gq = ya.grad(lambda q: ya.percentile(x, q))(np.array(30.0))
    np.testing.assert_allclose(gq, (2.6 - 1.5) * 5 / 100)
    # ties: one subgradient (a stable sort's pick), summing to 1
    t = np.array([2.0, 1.0, 2.0, 2.0, 5.0])
    g = ya.grad(lambda v: ya.median(v))(t)
    assert g.sum() == 1 and np.all(g >= 0) and np.count_nonzero(g) == 1
    assert g[[0, 2, 3]].sum() == 1


def test_interp_derivatives():
    xp = np.array([0.0, 1.0, 3.0])
    fp = np.array([1.0, 3.0, -1.0])
    x = np.array([-1.0, 0.5, 2.0, 3.0, 4.0, 1.0])
    gx = ya.grad(lambda t: ya.sum(ya.interp(t, xp, fp)))(x)
    # slopes: 0 left of xp[0], 2 then -2, 0 at xp[-1] and beyond, the right interval's at 1.0
    np.testing.assert_allclose(gx, [0, 2, -2, 0, 0, -2])
    jf = ya.jacobian(lambda f: ya.interp(x, xp, f))(fp)
    np.testing.assert_allclose(jf, [[1, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5], [0, 0, 1],
                                    [0, 0, 1], [0, 1, 0]])
    gl = ya.grad(lambda l: ya.sum(ya.interp(x, xp, fp, left=l, right=2 * l)))(np.array(0.3))
    np.testing.assert_allclose(gl, 1 + 2)
    assert gradcheck(lambda a, b, c: ya.interp(a, b, c), np.array([0.2, 0.7, 1.9]), xp, fp,
                     modes=("rev", "fwd"), order=2)
    assert gradcheck(lambda a, p: ya.interp(a, xp, fp, period=p), np.array([0.2, 3.7, -1.9]),
                     np.array(3.5), modes=("rev", "fwd"))


def test_lists_of_tensors():
    a, b, c = ya.Tensor(1.0), ya.Tensor(3.0), ya.Tensor(2.0)
    g = ya.grad(lambda x: ya.median([x, 3.0 * x + 1.0, x + 2.5]))(1.0)
    assert g == 1.0     # the median is x + 2.5
    assert float(ya.median([a, b, c]).data) == 2.0
    assert float(np.median(ya.Tensor(np.array([1.0, 3.0, 2.0]))).data) == 2.0


# ---- complex inputs of non-holomorphic functions: against JAX (yaae's convention) -----------
def _vs_jax(f, jf, *xs):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    out, vjp_fn = ya.vjp(f, *xs)
    jout, jvjp = jax.vjp(jf, *[jnp.asarray(x) for x in xs])
    np.testing.assert_allclose(np.asarray(out), np.asarray(jout), rtol=1e-10, atol=1e-12)
    ct = rng.standard_normal(np.shape(out)) + (1j * rng.standard_normal(np.shape(out))
                                               if np.iscomplexobj(out) else 0)
    for a, b in zip(vjp_fn(ct), jvjp(jnp.asarray(ct))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)
    ts = [rng.standard_normal(np.shape(x)) + (1j * rng.standard_normal(np.shape(x))
                                              if np.iscomplexobj(x) else 0) for x in xs]
    _, t = ya.jvp(f, tuple(xs), tuple(ts))
    _, jt = jax.jvp(jf, tuple(jnp.asarray(x) for x in xs), tuple(jnp.asarray(v) for v in ts))
    np.testing.assert_allclose(np.asarray(t), np.asarray(jt), rtol=1e-10, atol=1e-12)


def _c(*shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def test_complex_non_holomorphic_against_jax():
    import jax.numpy as jnp
    z, u, v = _c(3, 6), _c(6), _c(4)
    zn = z.copy()
    zn[0, 1] = np.nan
    w = rng.uniform(0.5, 1.5, 6)
    for mode in ("full", "same", "valid"):
        _vs_jax(lambda a, b: ya.correlate(a, b, mode), lambda a, b: jnp.correlate(a, b, mode),
                u, v)
        _vs_jax(lambda a, b: ya.correlate(a, b, mode), lambda a, b: jnp.correlate(a, b, mode),
                v, u)
    _vs_jax(lambda a: ya.cov(a), lambda a: jnp.cov(a), z)
    _vs_jax(lambda a: ya.nanvar(a, axis=1), lambda a: jnp.nanvar(a, axis=1), zn)
    _vs_jax(lambda a: ya.nanstd(a, axis=1), lambda a: jnp.nanstd(a, axis=1), zn)
    _vs_jax(lambda a, b: ya.average(a, axis=1, weights=b),
            lambda a, b: jnp.average(a, axis=1, weights=b), z, w)
    # values of corrcoef (NumPy clips real and imaginary parts)
    same(ya.corrcoef(z), np.corrcoef(z))
    assert gradcheck(lambda a: ya.corrcoef(a), z, modes=("rev", "fwd"))


def test_interp_gradients_finite_with_infinite_x():
    xp = np.array([0.0, 1.0, 3.0])
    fp = np.array([1.0, 3.0, -1.0])
    x = np.array([-np.inf, 0.5, np.inf, np.nan, 2.0])
    gf, gxp = ya.grad(lambda f, p: ya.sum(ya.where(np.isnan(x), 0.0, ya.interp(x, p, f))),
                      argnums=(0, 1))(fp, xp)
    assert np.all(np.isfinite(gf)) and np.all(np.isfinite(gxp))
    np.testing.assert_allclose(gf, [1 + 0.5, 0.5 + 0.5, 0.5 + 1])


def test_repeated_axis_raises():
    for name in ("median", "nanmean", "average"):
        with pytest.raises(ValueError):
            getattr(ya, name)(A, axis=(0, 0))


# ---- nanmedian / nanquantile / nanpercentile ----------------------------------------------------
ANS = AN.copy()
ANS[2, 2, :] = np.nan     # an all-NaN slice along the last axis


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
def test_nan_order_statistics_equal_numpy(method, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for keepdims in (False, True):
            qs = [0.3, 0, 1, np.array([0.0, 0.25, 0.5, 1.0])]
            if not isinstance(axis, tuple):
                qs.append(np.array([[0.1, 0.9], [0.33, 0.66]]))
            else:   # NumPy orders that result's axes unlike quantile's: refused, not reordered
                with pytest.raises(NotImplementedError, match="2-d q"):
                    np.nanquantile(ya.Tensor(ANS), np.array([[0.1, 0.9], [0.3, 0.6]]), axis=axis)
            for q in qs:
                same(ya.nanquantile(ANS, q, axis=axis, keepdims=keepdims, method=method),
                     np.nanquantile(ANS, q, axis=axis, keepdims=keepdims, method=method))
                same(ya.nanpercentile(ANS, q * 100, axis=axis, keepdims=keepdims,
                                      method=method),
                     np.nanpercentile(ANS, q * 100, axis=axis, keepdims=keepdims,
                                      method=method))
            same(ya.nanmedian(ANS, axis=axis, keepdims=keepdims),
                 np.nanmedian(ANS, axis=axis, keepdims=keepdims))
        same(ya.nanquantile(ANS, 0.3, axis=axis, method="inverted_cdf",
                            weights=np.ones_like(ANS)),
             np.nanquantile(ANS, 0.3, axis=axis, method="inverted_cdf",
                            weights=np.ones_like(ANS)))


def test_nan_order_statistics_gradients_and_warnings():
    with pytest.warns(RuntimeWarning, match="All-NaN slice encountered"):
        ya.nanmedian(ANS, axis=-1)
    with pytest.warns(RuntimeWarning, match="All-NaN slice encountered"):
        ya.nanquantile(ANS, 0.3, axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for f in (lambda t: ya.nanmedian(t, axis=-1),
                  lambda t: ya.nanquantile(t, [0.3, 0.8], axis=-1),
                  lambda t: ya.nanpercentile(t, 35.0, axis=-1, method="hazen")):
            g = ya.grad(lambda t: ya.sum(ya.where(np.isnan(f(t).data), 0.0, f(t))))(ANS)
            assert np.all(np.isfinite(g)) and np.all(g[np.isnan(ANS)] == 0)
            assert np.all(g[2, 2] == 0)
    # the median of the non-NaN entries: half to each middle one (even count)
    x = np.array([3.0, np.nan, -1.0, 4.0, 1.5])
    np.testing.assert_allclose(ya.grad(lambda t: ya.nanmedian(t))(x), [0.5, 0, 0, 0, 0.5])
    gq = ya.grad(lambda q: ya.nanquantile(x, q))(np.array(0.5))
    np.testing.assert_allclose(gq, (3.0 - 1.5) * 3)
