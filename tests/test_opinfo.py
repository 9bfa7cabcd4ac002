"""Every registered op against independent oracles, from the sample table
``tests/opinfo`` (keyed by the op registry): finite differences in both modes
and orders 1 and 2, jacfwd == jacrev, PyTorch to 1e-10 (float64), and a
sample of more than 256 elements per op (so wrong ``saves=`` declarations and
size-dependent paths show)."""
import functools

import numpy as np
import pytest
import torch

import yaae as ya
from yaae.ops.registry import OPS
from yaae.testing import gradcheck, real_function
from yaae.transforms import tree_flatten

import opinfo

SAMPLES = opinfo.load_all()


def _cases(keep):
    """Test cases (op name, sample index) for the samples ``keep`` selects:
    chosen at collection, so no oracle test ever skips."""
    return [pytest.param(name, i, id=f"{name}-{i}-{s!r}")
            for name in sorted(SAMPLES) for i, s in enumerate(SAMPLES[name]) if keep(s)]


SMALL = _cases(lambda s: s.diff and s.size <= 256)
BIG = _cases(lambda s: s.size > 256)


def _public(name):
    """``ya.NAME`` for a qualified name (``"linalg.svd"``, ``"scipy.special.erf"``)."""
    return functools.reduce(getattr, name.split("."), ya)


def _fn(name, s):
    """The op as a function of the differentiated arguments only."""
    f = _public(name)

    def g(*dargs):
        args = list(s.args)
        for i, v in zip(s.diff, dargs):
            args[i] = v
        return f(*args, **s.kw)
    return g


def _flat(out):
    leaves, _ = tree_flatten(out)
    return [l for l in leaves]


def _concat(f):
    def g(*xs):
        leaves = [ya.ravel(l) for l in _flat(f(*xs))]
        return ya.concatenate(leaves) if len(leaves) > 1 else leaves[0]
    return g


def test_every_registered_op_has_samples():
    missing = sorted(set(OPS) - set(SAMPLES))
    assert not missing, f"ops without samples in tests/opinfo: {missing}"


def test_samples_name_registered_ops():
    unknown = sorted(set(SAMPLES) - set(OPS))
    assert not unknown, f"samples for names the registry does not have: {unknown}"


def test_every_op_checks_order2_and_a_big_sample():
    no2 = [n for n, ss in SAMPLES.items() if not any(s.order2 or not s.fd for s in ss)]
    nobig = [n for n, ss in SAMPLES.items() if not any(s.size > 256 for s in ss)]
    assert not no2, f"ops with no order-2 sample: {no2}"
    assert not nobig, f"ops with no sample of more than 256 differentiated elements: {nobig}"


def _dargs(s):
    return [s.args[i] for i in s.diff]


def _real_fn(name, s):
    """The op as a function of real arrays (complex arguments and results as
    pairs of reals, ``ya.testing.real_function``; real samples unchanged), and
    those arrays: its Jacobians are real matrices for every sample, so
    jacfwd == jacrev holds for non-holomorphic ops too."""
    return real_function(_fn(name, s), _dargs(s))


def _rand_like(rng, a):
    """Standard normal like ``a`` (complex: random real and imaginary parts)."""
    a = np.asarray(a)
    r = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(a.shape)
    return r.astype(a.dtype)


@pytest.mark.parametrize("name,i", _cases(lambda s: s.diff and s.fd and s.size <= 256))
def test_gradcheck(name, i):
    s = SAMPLES[name][i]
    assert gradcheck(_fn(name, s), *_dargs(s), eps=s.eps, atol=s.atol, rtol=s.rtol,
                     modes=("rev", "fwd"), order=2 if s.order2 else 1)


@pytest.mark.parametrize("name,i", SMALL)
def test_jacfwd_equals_jacrev(name, i):
    s = SAMPLES[name][i]
    g, xs = _real_fn(name, s)
    f = _concat(g)
    argnums = tuple(range(len(xs)))
    jf = ya.jacfwd(f, argnums=argnums)(*xs)
    jr = ya.jacrev(f, argnums=argnums)(*xs)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,i", BIG)
def test_big_directional(name, i):
    s = SAMPLES[name][i]
    g, xs = _real_fn(name, s)
    f = _concat(g)
    xs = [np.asarray(a) for a in xs]
    rng = np.random.default_rng(7)
    vs = [rng.standard_normal(x.shape) for x in xs]
    out, jv = ya.jvp(f, tuple(xs), tuple(vs))
    u = rng.standard_normal(np.shape(out))
    _, vjp_fn = ya.vjp(f, *xs)
    jtu = vjp_fn(u)
    lhs = float(np.sum(u * jv))
    rhs = float(sum(np.sum(a * v) for a, v in zip(jtu, vs)))
    assert abs(lhs - rhs) <= 1e-9 * (1 + abs(lhs)), (lhs, rhs)
    if s.fd:
        eps = 1e-6
        fp = np.asarray(f(*[x + eps * v for x, v in zip(xs, vs)]))
        fm = np.asarray(f(*[x - eps * v for x, v in zip(xs, vs)]))
        np.testing.assert_allclose(jv, (fp - fm) / (2 * eps), rtol=1e-4, atol=1e-5)


def _to_torch(a):
    return torch.tensor(a) if isinstance(a, np.ndarray) else a


@pytest.mark.parametrize("name,i", _cases(lambda s: s.torch is not None))
def test_against_torch(name, i):
    s = SAMPLES[name][i]
    targs = [torch.tensor(a, requires_grad=(k in s.diff)) if isinstance(a, np.ndarray)
             else a for k, a in enumerate(s.args)]
    tout = [o for o in _flat_torch(s.torch(*targs, **s.kw))]
    f = _fn(name, s)
    out, vjp_fn = ya.vjp(f, *_dargs(s))
    yout = _flat(out)
    assert len(yout) == len(tout)
    for a, b in zip(yout, tout):
        np.testing.assert_allclose(np.asarray(a), b.detach().resolve_conj().numpy(),
                                   rtol=s.oracle_rtol, atol=1e-12)
    if not s.diff:
        return
    # PyTorch's complex convention is the conjugate of yaae's (JAX's):
    # torch's vjp(c) = conj(yaae's vjp(conj(c))) (no-ops for real values)
    rng = np.random.default_rng(11)
    cts = [_rand_like(rng, a) for a in yout]
    tin = [targs[k] for k in s.diff]
    pairs = [(o, c) for o, c in zip(tout, cts) if o.requires_grad]
    tg = torch.autograd.grad([o for o, _ in pairs], tin,
                             [torch.tensor(np.conj(c)) for _, c in pairs], allow_unused=True)
    yg = vjp_fn(tuple(cts) if isinstance(out, (tuple, list)) else cts[0])
    for a, b in zip(yg, tg):
        want = np.zeros_like(a) if b is None else np.conj(b.resolve_conj().numpy())
        np.testing.assert_allclose(np.asarray(a), want, rtol=s.oracle_rtol, atol=1e-12)


def _flat_torch(o):
    if isinstance(o, (tuple, list)):
        out = []
        for v in o:
            out += _flat_torch(v)
        return out
    return [o]


@pytest.mark.parametrize("name,i", _cases(lambda s: s.check is not None))
def test_sample_check(name, i):
    s = SAMPLES[name][i]
    s.check(_public(name)(*s.args, **s.kw), *s.args)
