"""Complex numbers and ``ya.fft``: yaae's convention is JAX's (and HIPS
autograd's), checked against ``jax`` (a test-only dependency, like torch):

* the cotangent ``c`` of a value ``w`` pairs with ``dw`` as ``Re(c * dw)``, so
  ``ya.grad`` of a real ``f(z)`` is ``df/dx - i df/dy`` (``jax.grad``'s);
* ``Tensor.backward`` leaves PyTorch's convention in a complex leaf's ``.grad``
  (the conjugate, ``df/dx + i df/dy``), so that PyTorch-style optimizers descend.

Also the complex-aware versions of the sample-table checks (``tests/opinfo``):
every sample with a ``jax=`` oracle against ``jax.vjp``/``jax.jvp``, and
``jacfwd == jacrev`` and the big-sample identities on the op seen as a
function of real numbers (``ya.testing.real_function``).
"""
import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import yaae as ya
from yaae.testing import gradcheck, real_function, GradcheckError
from yaae.transforms import tree_flatten

import opinfo

jax.config.update("jax_enable_x64", True)

SAMPLES = opinfo.load_all()
_rng = np.random.default_rng(8)


def crandn(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


def _public(name):
    """``ya.NAME`` for a qualified name (``"linalg.svd"``, ``"scipy.stats.norm.pdf"``)."""
    return functools.reduce(getattr, name.split("."), ya)


def _fn(f, s):
    def g(*dargs):
        args = list(s.args)
        for i, v in zip(s.diff, dargs):
            args[i] = v
        return f(*args, **s.kw)
    return g


def _dargs(s):
    return [s.args[i] for i in s.diff]


def _rand_like(rng, a):
    a = np.asarray(a)
    r = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(a.shape)
    return r.astype(a.dtype)


def _leaves(o):
    return [np.asarray(l) for l in tree_flatten(o)[0]]


def _cases(keep):
    return [pytest.param(name, i, id=f"{name}-{i}-{s!r}")
            for name in sorted(SAMPLES) for i, s in enumerate(SAMPLES[name]) if keep(name, s)]


MINE = {"real", "imag", "conjugate", "angle", "real_if_close", "abs", "sign"}


def _complexish(name, s):
    """A sample with complex arguments, or (for the fft and complex families)
    complex results."""
    if not s.diff:
        return False
    if any(np.iscomplexobj(a) for a in _dargs(s)):
        return True
    if name.startswith("fft.") or name in MINE:
        out = _fn(_public(name), s)(*_dargs(s))
        return any(np.iscomplexobj(l) for l in _leaves(out))
    return False


# ---- every sample with a jax oracle ------------------------------------------------------
@pytest.mark.parametrize("name,i", _cases(lambda n, s: s.jax is not None and s.diff))
def test_against_jax(name, i):
    s = SAMPLES[name][i]
    xs = _dargs(s)
    out, vjp_fn = ya.vjp(_fn(_public(name), s), *xs)
    jout, jvjp_fn = jax.vjp(_fn(s.jax, s), *[jnp.asarray(x) for x in xs])
    yo, jo = _leaves(out), _leaves(jout)
    assert len(yo) == len(jo)
    for a, b in zip(yo, jo):
        assert a.dtype.kind == b.dtype.kind, (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=s.oracle_rtol, atol=1e-12)
    rng = np.random.default_rng(3)
    cts = [_rand_like(rng, a) for a in yo]
    ct = cts[0] if len(cts) == 1 else tuple(cts)
    for a, b in zip(vjp_fn(ct), jvjp_fn(ct)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=s.oracle_rtol, atol=1e-12)
    ts = [_rand_like(rng, x) for x in xs]
    _, yt = ya.jvp(_fn(_public(name), s), tuple(xs), tuple(ts))
    _, jt = jax.jvp(_fn(s.jax, s), tuple(jnp.asarray(x) for x in xs),
                    tuple(jnp.asarray(t) for t in ts))
    for a, b in zip(_leaves(yt), _leaves(jt)):
        np.testing.assert_allclose(a, b, rtol=s.oracle_rtol, atol=1e-12)


# ---- the table's Jacobian checks, on the op as a function of real numbers ----------------
def _concat(f):
    def g(*xs):
        leaves = [ya.ravel(l) for l in tree_flatten(f(*xs))[0]]
        return ya.concatenate(leaves) if len(leaves) > 1 else leaves[0]
    return g


@pytest.mark.parametrize("name,i", _cases(lambda n, s: s.size <= 256 and _complexish(n, s)))
def test_realified_jacfwd_equals_jacrev(name, i):
    s = SAMPLES[name][i]
    g, xs = real_function(_fn(_public(name), s), _dargs(s))
    f = _concat(g)
    nums = tuple(range(len(xs)))
    for a, b in zip(ya.jacfwd(f, argnums=nums)(*xs), ya.jacrev(f, argnums=nums)(*xs)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,i", _cases(lambda n, s: s.size > 256 and _complexish(n, s)))
def test_realified_big_directional(name, i):
    s = SAMPLES[name][i]
    f, xs = real_function(_fn(_public(name), s), _dargs(s))
    rng = np.random.default_rng(7)
    vs = [rng.standard_normal(x.shape) for x in xs]
    out, jv = ya.jvp(f, tuple(xs), tuple(vs))
    jv = _leaves(jv)
    us = [rng.standard_normal(o.shape) for o in _leaves(out)]
    jtu = ya.vjp(f, *xs)[1](us[0] if len(us) == 1 else tuple(us))
    lhs = float(sum(np.sum(u * t) for u, t in zip(us, jv)))
    rhs = float(sum(np.sum(a * v) for a, v in zip(jtu, vs)))
    assert abs(lhs - rhs) <= 1e-9 * (1 + abs(lhs)), (lhs, rhs)
    if s.fd:
        eps = 1e-6
        fp = _leaves(f(*[x + eps * v for x, v in zip(xs, vs)]))
        fm = _leaves(f(*[x - eps * v for x, v in zip(xs, vs)]))
        for t, a, b in zip(jv, fp, fm):
            np.testing.assert_allclose(t, (a - b) / (2 * eps), rtol=1e-4, atol=1e-5)


# ---- the two conventions ---------------------------------------------------------------
Z = np.array([1 + 2j, -0.5 + 0.3j, 0.7 - 0.2j])


def test_grad_of_abs2_jax_and_backward_torch():
    z = ya.tensor(Z, requires_grad=True)
    ya.sum(ya.abs(z) ** 2).backward()
    tz = torch.tensor(Z, requires_grad=True)
    (tz.abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(z.grad.data, 2 * Z, rtol=1e-14)
    g = ya.grad(lambda z: ya.sum(ya.abs(z) ** 2))(Z)
    np.testing.assert_allclose(g, jax.grad(lambda z: jnp.sum(jnp.abs(z) ** 2))(Z), rtol=1e-14)
    np.testing.assert_allclose(g, 2 * np.conj(Z), rtol=1e-14)


def test_backward_of_complex_output_raises():
    z = ya.tensor(Z, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        ya.sum(z * z).backward()


def test_backward_with_grad_on_complex_output_matches_torch():
    w = crandn(3)
    z = ya.tensor(Z, requires_grad=True)
    (ya.exp(z) * ya.conj(z)).backward(w)
    tz = torch.tensor(Z, requires_grad=True)
    (tz.exp() * tz.conj()).backward(torch.tensor(w))
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy(), rtol=1e-12)


def test_backward_create_graph_complex_leaf():
    z = ya.tensor(Z, requires_grad=True)
    loss = ya.sum(ya.abs(z) ** 4)
    loss.backward(create_graph=True)
    tz = torch.tensor(Z, requires_grad=True)
    (tg,) = torch.autograd.grad((tz.abs() ** 4).sum(), tz, create_graph=True)
    np.testing.assert_allclose(z.grad.data, tg.detach().numpy(), rtol=1e-12)
    assert z.grad.requires_grad       # and differentiable: d/dz of |grad|^2, PyTorch's way
    gz = z.grad
    z.grad = None
    ya.sum(ya.abs(gz) ** 2).backward()
    (tg2,) = torch.autograd.grad((tg.abs() ** 2).sum(), tz)
    np.testing.assert_allclose(z.grad.data, tg2.numpy(), rtol=1e-12)


def test_real_param_complex_intermediate():
    x = ya.tensor([0.3, -0.7], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no ComplexWarning: the real part, on purpose
        ya.sum(ya.abs(ya.exp(1j * x) * (2 + 1j) + x) ** 2).backward()
    tx = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    ((torch.exp(1j * tx) * (2 + 1j) + tx).abs() ** 2).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_sgd_descends_on_complex_parameter():
    target = np.array([1 - 1j, 2 + 0.5j])
    p = ya.tensor(np.zeros(2, complex), requires_grad=True)
    for _ in range(200):
        p.grad = None
        ya.sum(ya.abs(p - target) ** 2).backward()
        p.data = p.data - 0.1 * p.grad.data
    np.testing.assert_allclose(p.data, target, atol=1e-8)


# ---- ya.grad of real functions of complex inputs == jax.grad -------------------------------
A = crandn(3, 3)
FUNCS = {
    "exp/sin": (lambda z: ya.sum(ya.real(ya.exp(z) * ya.sin(z))),
                lambda z: jnp.sum(jnp.real(jnp.exp(z) * jnp.sin(z)))),
    "log/conj": (lambda z: ya.sum(ya.real(ya.conj(z) * ya.log(z))),
                 lambda z: jnp.sum(jnp.real(jnp.conj(z) * jnp.log(z)))),
    "angle/imag": (lambda z: ya.sum(ya.angle(z) ** 2 + ya.imag(z * z)),
                   lambda z: jnp.sum(jnp.angle(z) ** 2 + jnp.imag(z * z))),
    "abs/sqrt/tanh": (lambda z: ya.sum(ya.abs(ya.sqrt(z) + ya.tanh(z))),
                      lambda z: jnp.sum(jnp.abs(jnp.sqrt(z) + jnp.tanh(z)))),
    "division/power": (lambda z: ya.sum(ya.abs(1 / (z + 3) + z ** 3)),
                       lambda z: jnp.sum(jnp.abs(1 / (z + 3) + z ** 3))),
    "matmul/sum/mean": (lambda z: ya.real(ya.mean(A @ z) * ya.sum(ya.conj(z))),
                        lambda z: jnp.real(jnp.mean(A @ z) * jnp.sum(jnp.conj(z)))),
    "reshape/transpose/getitem": (
        lambda z: ya.sum(ya.abs(ya.reshape(ya.concatenate([z, z * 2j]), (2, 3)).T[1:]) ** 2),
        lambda z: jnp.sum(jnp.abs(jnp.reshape(jnp.concatenate([z, z * 2j]), (2, 3)).T[1:]) ** 2)),
    "einsum/outer": (lambda z: ya.real(ya.einsum("i,ij,j->", z, A, ya.conj(z))),
                     lambda z: jnp.real(jnp.einsum("i,ij,j->", z, A, jnp.conj(z)))),
    "fft": (lambda z: ya.sum(ya.abs(ya.fft.fft(z, n=5)) ** 3) + ya.sum(ya.fft.irfft(z, n=4) ** 2),
            lambda z: jnp.sum(jnp.abs(jnp.fft.fft(z, n=5)) ** 3) + jnp.sum(jnp.fft.irfft(z, n=4) ** 2)),
    "fft2/fftshift": (lambda z: ya.sum(ya.angle(ya.fft.fftshift(ya.fft.fft2(ya.outer(z, z))))),
                      lambda z: jnp.sum(jnp.angle(jnp.fft.fftshift(jnp.fft.fft2(jnp.outer(z, z)))))),
    "sign": (lambda z: ya.sum(ya.real(ya.sign(z) * z * z)),
             lambda z: jnp.sum(jnp.real(z / jnp.abs(z) * z * z))),
}


@pytest.mark.parametrize("key", sorted(FUNCS))
def test_grad_equals_jax(key):
    f, jf = FUNCS[key]
    np.testing.assert_allclose(ya.grad(f)(Z), jax.grad(jf)(Z), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("key", sorted(FUNCS))
def test_hvp_equals_jax(key):
    f, jf = FUNCS[key]
    v = crandn(3)
    _, hv = ya.jvp(ya.grad(f), (Z,), (v,))
    _, jhv = jax.jvp(jax.grad(jf), (Z,), (v,))
    np.testing.assert_allclose(hv, jhv, rtol=1e-8, atol=1e-10)


def test_real_function_of_real_input_through_complex():
    x = np.array([0.3, 1.1, -0.4])
    f = lambda x: ya.sum(ya.abs(ya.fft.rfft(x, n=6)) ** 2)
    jf = lambda x: jnp.sum(jnp.abs(jnp.fft.rfft(x, n=6)) ** 2)
    np.testing.assert_allclose(ya.grad(f)(x), jax.grad(jf)(x), rtol=1e-12)
    g = ya.grad(lambda x: ya.real(ya.sum(ya.exp(1j * x) * ya.fft.ifft(x))))(x)
    jg = jax.grad(lambda x: jnp.real(jnp.sum(jnp.exp(1j * x) * jnp.fft.ifft(x))))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, jg, rtol=1e-12)


# ---- PyTorch's complex autograd, converted: torch_vjp(c) = conj(vjp(conj(c))) --------------
TORCH = [
    ("fft.fft", dict(n=6), lambda z: torch.fft.fft(z, n=6)),
    ("fft.ifft", dict(norm="ortho"), lambda z: torch.fft.ifft(z, norm="ortho")),
    ("fft.fft2", dict(s=(3, 5)), lambda z: torch.fft.fft2(z, s=(3, 5))),
    ("fft.ifftn", dict(axes=(0,), norm="forward"), lambda z: torch.fft.ifftn(z, dim=(0,), norm="forward")),
    ("fft.irfft", dict(n=7), lambda z: torch.fft.irfft(z, n=7)),
    ("fft.irfft2", {}, lambda z: torch.fft.irfft2(z)),
    ("fft.irfftn", dict(s=(4, 6), axes=(0, 1)), lambda z: torch.fft.irfftn(z, s=(4, 6), dim=(0, 1))),
    ("fft.hfft", dict(n=5, norm="ortho"), lambda z: torch.fft.hfft(z, n=5, norm="ortho")),
    ("fft.fftshift", {}, lambda z: torch.fft.fftshift(z)),
    ("abs", {}, torch.abs),
    ("angle", {}, torch.angle),
    ("sign", {}, torch.sgn),
    ("real", {}, torch.real),
    ("imag", {}, torch.imag),
    ("conjugate", {}, lambda z: torch.conj(z).resolve_conj()),
]


@pytest.mark.parametrize("name,kw,tf", TORCH, ids=[t[0] + str(t[1]) for t in TORCH])
def test_complex_input_against_torch(name, kw, tf):
    z0 = crandn(4, 3)
    out, vjp_fn = ya.vjp(lambda z: _public(name)(z, **kw), z0)
    tz = torch.tensor(z0, requires_grad=True)
    tout = tf(tz)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    c = _rand_like(np.random.default_rng(1), out)
    (tg,) = torch.autograd.grad(tout, tz, torch.tensor(np.conj(c)))
    np.testing.assert_allclose(vjp_fn(c)[0], np.conj(tg.resolve_conj().numpy()), rtol=1e-10, atol=1e-12)


# ---- gradcheck on complex functions ------------------------------------------------------
def test_gradcheck_catches_a_conjugated_rule():
    p = ya.Primitive(np.exp, "bad_exp", batchable=True)
    p.defvjp(lambda g, ans, x: g * np.conj(ans))     # PyTorch's convention: wrong here
    p.defjvp(lambda t, ans, x: t * ans)
    with pytest.raises(GradcheckError, match="reverse mode"):
        gradcheck(p, Z)
    assert gradcheck(p, Z.real, modes=("rev", "fwd"))    # right for real inputs


def test_gradcheck_complex_orders():
    assert gradcheck(lambda z, w: ya.fft.fft(z * ya.conj(w)) / ya.abs(w), Z, Z[::-1] + 0.5,
                     modes=("rev", "fwd"), order=2)
    assert gradcheck(lambda x: ya.fft.rfft(x) * 1j, Z.real, modes=("rev", "fwd"), order=2)


def test_real_function_passes_real_functions_through():
    f = lambda x: ya.sin(x)
    g, xs = real_function(f, [np.array([0.5, 1.0])])
    assert len(xs) == 1
    np.testing.assert_array_equal(g(ya.tensor(xs[0])).data, np.sin(xs[0]))


# ---- Tensors, interop, NumPy's signatures -----------------------------------------------------
def test_complex_tensors():
    for dt in (np.complex64, np.complex128):
        t = ya.tensor(np.array([1 + 2j, 3], dtype=dt), requires_grad=True)
        assert t.dtype == dt and t.requires_grad
        assert ya.real(t).dtype == np.finfo(dt).dtype
    assert ya.tensor([1 + 2j, 3]).dtype == np.complex128
    assert ya.tensor(1j).dtype == np.complex128
    t = ya.tensor(Z)
    np.testing.assert_array_equal(t.conj().data, np.conj(Z))
    np.testing.assert_array_equal(t.conjugate().data, np.conj(Z))


def test_interop():
    z = ya.tensor(Z, requires_grad=True)
    assert np.conj is np.conjugate
    for npfn, yafn in [(np.real, ya.real), (np.imag, ya.imag), (np.conj, ya.conj),
                       (np.angle, ya.angle), (np.abs, ya.abs), (np.absolute, ya.absolute),
                       (np.real_if_close, ya.real_if_close)]:
        r = npfn(z)
        assert isinstance(r, ya.Tensor) and r.requires_grad
        np.testing.assert_array_equal(r.data, npfn(Z))
    r = np.fft.fft(z, n=4, norm="ortho")
    assert isinstance(r, ya.Tensor) and r.requires_grad
    np.testing.assert_array_equal(r.data, np.fft.fft(Z, n=4, norm="ortho"))


FFT_CALLS = [
    ("fft", {}), ("ifft", dict(n=3)), ("fft2", {}), ("ifft2", dict(axes=(0, 1))), ("fftn", {}),
    ("ifftn", dict(s=(2, 3), axes=(-1, 0))), ("rfft", {}), ("irfft", {}), ("rfft2", {}),
    ("irfft2", {}), ("rfftn", dict(axes=(0,))), ("irfftn", {}), ("hfft", {}), ("ihfft", {}),
    ("fftshift", {}), ("ifftshift", dict(axes=1)),
]


@pytest.mark.parametrize("name,kw", FFT_CALLS, ids=[c[0] for c in FFT_CALLS])
def test_fft_values_equal_numpy(name, kw):
    x = _rng.standard_normal((4, 5))
    if name in ("irfft", "irfft2", "irfftn", "hfft", "fft", "ifft", "fft2", "ifftn", "fftshift"):
        x = x + 1j * _rng.standard_normal((4, 5))
    want = getattr(np.fft, name)(x, **kw)
    for got in (getattr(ya.fft, name)(x, **kw), getattr(np.fft, name)(ya.tensor(x), **kw)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.data, want)


def test_fft_errors():
    x = np.ones((3, 4))
    with pytest.raises(np.exceptions.AxisError):
        ya.fft.fft(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        ya.fft.fftn(x, axes=(0, 5))
    with pytest.raises(np.exceptions.AxisError):
        ya.fft.fftshift(x, axes=2)
    with pytest.raises(ValueError, match="Invalid norm"):
        ya.fft.fft(x, norm="bogus")
    with pytest.raises(ValueError, match="Invalid norm"):
        ya.fft.hfft(x, norm="bogus")
    with pytest.raises(ValueError):
        ya.fft.fftn(x, s=(2, 3), axes=(0,))
    with pytest.raises(TypeError, match="out="):
        ya.fft.fft(x, out=np.empty((3, 4), complex))
    assert sorted(ya.fft.__all__) == sorted(
        "fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn hfft ihfft "
        "fftshift ifftshift".split())


def test_fft_batched_jacobians():
    # jacfwd/jacrev push (co)tangents with leading batch dims through the rules
    x = _rng.standard_normal((3, 4))
    for f in (lambda x: ya.fft.irfft(ya.fft.rfft(x, n=6, axis=0) * (1 + 1j), n=5, axis=0),
              lambda x: ya.real(ya.fft.fftn(x, s=(4, 3), axes=(1, 0))),
              lambda x: ya.fft.hfft(ya.fft.ihfft(x, axis=0, norm="ortho"), n=7, axis=0)):
        np.testing.assert_allclose(ya.jacfwd(f)(x), ya.jacrev(f)(x), rtol=1e-10, atol=1e-12)


def test_complex64_leaf_grad_dtype():
    z = ya.tensor(Z.astype(np.complex64), requires_grad=True)
    ya.sum(ya.abs(ya.fft.fft(z)) ** 2).backward()
    assert z.grad.dtype == np.complex64
    tz = torch.tensor(Z.astype(np.complex64), requires_grad=True)
    (torch.fft.fft(tz).abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy(), rtol=1e-5)


def test_holomorphic_jacobians():
    # holomorphic f: jacfwd and jacrev both give f'(z) (no conjugation anywhere)
    f = lambda z: ya.exp(z) * z
    J = np.diag(np.exp(Z) * (Z + 1))
    np.testing.assert_allclose(ya.jacfwd(f, holomorphic=True)(Z), J, rtol=1e-12)
    np.testing.assert_allclose(ya.jacrev(f, holomorphic=True)(Z), J, rtol=1e-12)
    np.testing.assert_allclose(ya.jacrev(ya.fft.fft, holomorphic=True)(Z),
                               np.fft.fft(np.eye(3)), atol=1e-12)
    # as in JAX: without holomorphic=True, complex outputs (jacrev, grad) and
    # complex inputs (jacfwd) are refused, never half-differentiated
    x = np.array([0.5, -1.0, 2.0])
    for bad in (lambda: ya.jacrev(f)(Z), lambda: ya.jacfwd(f)(Z),
                lambda: ya.jacrev(lambda v: v * (1 + 1j))(x),
                lambda: ya.grad(lambda v: ya.sum(v * 1j))(x),
                lambda: ya.jacfwd(ya.abs, holomorphic=True)(x)):
        with pytest.raises(TypeError, match="holomorphic|real-valued"):
            bad()


def test_retained_complex_intermediate_grad_is_torchs():
    z = ya.tensor(Z, requires_grad=True)
    w = ya.exp(z) * z
    w.retain_grad()
    ya.sum(ya.abs(w) ** 2 + ya.real(w)).backward()
    tz = torch.tensor(Z, requires_grad=True)
    tw = torch.exp(tz) * tz
    tw.retain_grad()
    ((tw.abs() ** 2) + tw.real).sum().backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy(), rtol=1e-12)
