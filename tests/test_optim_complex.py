"""Every optimizer in ``ya.optim`` on complex parameters against torch.optim.

torch optimizes a complex parameter as ``view_as_real`` of it: each real and
imaginary part is one real number, so the nonlinear element-wise updates
(``g * g``, ``sqrt``, ``abs``, ``max``) act on the parts separately.  The
optimizers are found by walking ``ya.optim``, so a new one is covered
automatically (with its default hyperparameters, plus ``weight_decay`` and
``maximize`` when its signature has them).  Each run computes the gradient of
the same real loss with each library's own autodiff and compares parameters
and optimizer state after 20 steps: 1e-10 for complex128, 1e-5 for complex64.

torch keeps NAdam's ``mu_product`` in torch's default dtype and yaae in its
own (float64), so torch runs with float64 as its default dtype here.

LBFGS reaches the minimum within the 20 iterations; its state there (search
direction, gradient differences, their dot products) is made of differences
of nearly equal numbers, i.e. rounding noise, which torch's and NumPy's
reductions round differently (see tests/test_optim_extra.py).  Its parameters
are compared at the tolerances above; its state at 1e-8 in complex128, as in
tests/test_optim_extra.py, and not in complex64, where it is float32 noise.
"""
import copy
import inspect

import numpy as np
import pytest
import torch

import yaae as ya

from test_optim_extra import torch_float64_default  # noqa: F401  (autouse fixture)


OPTIMIZERS = sorted(name for name in ya.optim.__all__
                    if isinstance(getattr(ya.optim, name), type)
                    and issubclass(getattr(ya.optim, name), ya.optim.Optimizer)
                    and name != "Optimizer")

# hyperparameters every run of an optimizer uses (large enough steps that a wrong
# per-part nonlinearity shows); an optimizer missing here runs with its defaults
BASE = {"SGD": dict(lr=0.05), "Adam": dict(lr=0.05), "AdamW": dict(lr=0.05),
        "RMSprop": dict(lr=0.01), "Adagrad": dict(lr=0.1), "Adadelta": dict(lr=0.5),
        "Adamax": dict(lr=0.05), "NAdam": dict(lr=0.05),
        "RAdam": dict(lr=0.05, betas=(0.9, 0.8)),          # rho_t > 5 from step 6 on
        "LBFGS": dict(lr=0.5, history_size=4, max_iter=1)}  # 20 iterations in 20 steps
# options tried on every optimizer whose signature has them
GENERIC = {"weight_decay": 0.1, "maximize": True}
EXTRA = {
    "SGD": [dict(momentum=0.9), dict(momentum=0.9, dampening=0.3, maximize=True),
            dict(momentum=0.9, nesterov=True, weight_decay=0.1)],
    "Adam": [dict(amsgrad=True), dict(amsgrad=True, weight_decay=0.1, maximize=True),
             dict(weight_decay=0.1, decoupled_weight_decay=True)],
    "AdamW": [dict(amsgrad=True), dict(betas=(0.3, 0.9))],      # lerp weight >= 0.5
    "RMSprop": [dict(momentum=0.9), dict(centered=True),
                dict(centered=True, momentum=0.5, weight_decay=0.1, maximize=True)],
    "Adagrad": [dict(lr_decay=0.1, initial_accumulator_value=0.5)],
    "NAdam": [dict(weight_decay=0.1, decoupled_weight_decay=True)],
    "RAdam": [dict(weight_decay=0.1, decoupled_weight_decay=True), dict(betas=(0.5, 0.5))],
    "LBFGS": [dict(line_search_fn="strong_wolfe")],
}


def configs():
    out = []
    for name in OPTIMIZERS:
        base = BASE.get(name, {})
        accepted = inspect.signature(getattr(ya.optim, name)).parameters
        variants = [{}] + [{k: v} for k, v in GENERIC.items() if k in accepted]
        out += [(name, dict(base, **extra)) for extra in variants + EXTRA.get(name, [])]
    return out


CONFIGS = configs()
DTYPES = [np.complex128, np.complex64]


def _cid(c):
    return c[0] + "-" + ",".join(f"{k}={v}" for k, v in c[1].items())


def start_arrays(seed=3):
    rng = np.random.default_rng(seed)

    def cplx(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    # real and imaginary parts of different scales, so mixing them shows
    return {"P": cplx(3, 4) * np.array([1.0, 0.1, 2.0, 0.5]), "b": cplx(4) * 0.3,
            "X": cplx(5, 3), "Y": cplx(5, 4)}


class Run:
    """A complex linear model ``X @ P + b`` fitted to ``Y`` (squared modulus)
    plus a non-quadratic term, and an optimizer over ``P`` and ``b``."""

    def __init__(self, torch_side, name, kwargs, dtype, arrays=None):
        a = arrays or start_arrays()
        self.torch = torch_side
        self.m = torch if torch_side else ya
        wrap = ((lambda x, rg=False: torch.tensor(x, requires_grad=rg)) if torch_side
                else (lambda x, rg=False: ya.Tensor(x, requires_grad=rg)))
        self.P = {k: wrap(np.array(a[k], dtype=dtype), True) for k in "Pb"}
        self.X, self.Y = (wrap(np.array(a[k], dtype=dtype)) for k in "XY")
        optim = torch.optim if torch_side else ya.optim
        self.opt = getattr(optim, name)([self.P["P"], self.P["b"]], **kwargs)
        self.sign = -1.0 if kwargs.get("maximize") else 1.0

    def loss(self):
        m, P = self.m, self.P
        r = self.X @ P["P"] + P["b"] - self.Y
        return (m.mean(m.abs(r) ** 2) + 0.1 * m.sum(m.abs(P["b"]) ** 3)) * self.sign

    def closure(self):
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss

    def step(self, n=1):
        for _ in range(n):
            self.opt.step(self.closure)
        return self

    def arrays(self):
        get = (lambda t: t.detach().numpy().copy()) if self.torch else (lambda t: np.array(t.data))
        return {k: get(v) for k, v in self.P.items()}


def tol(dtype):
    return dict(rtol=1e-10, atol=1e-12) if dtype == np.complex128 else dict(rtol=1e-5, atol=1e-6)


def assert_tree_close(ours, theirs, dtype, where="state", rtol=None):
    """Optimizer states (dicts, lists, arrays, torch tensors, scalars) equal,
    each array relative to its largest element (running averages of gradients
    near a minimum are differences of rounded float32 numbers)."""
    if isinstance(theirs, dict):
        assert sorted(ours, key=str) == sorted(theirs, key=str), where
        for k in theirs:
            assert_tree_close(ours[k], theirs[k], dtype, f"{where}[{k!r}]", rtol)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_tree_close(o, t, dtype, f"{where}[{i}]", rtol)
    elif theirs is None:
        assert ours is None, where
    else:
        t = np.asarray(theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs)
        o = np.asarray(ours)
        assert o.shape == t.shape, where
        if t.dtype.kind == "c":
            assert o.dtype == t.dtype, where
        rtol = rtol or tol(dtype)["rtol"]
        np.testing.assert_allclose(o, t, rtol=rtol, atol=rtol * np.abs(t).max(initial=0.0),
                                   err_msg=where)


def test_every_optimizer_is_covered():
    assert {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
            "RAdam", "LBFGS"} <= set(OPTIMIZERS)
    assert all(hasattr(torch.optim, name) for name in OPTIMIZERS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[_cid(c) for c in CONFIGS])
def test_complex_parameters_match_torch_20_steps(name, kwargs, dtype):
    ours = Run(False, name, kwargs, dtype).step(20)
    theirs = Run(True, name, kwargs, dtype).step(20)
    for k, v in ours.arrays().items():
        assert v.dtype == dtype
        np.testing.assert_allclose(v, theirs.arrays()[k], err_msg=k, **tol(dtype))
    if name != "LBFGS" or dtype == np.complex128:
        assert_tree_close(ours.opt.state_dict()["state"], theirs.opt.state_dict()["state"],
                          dtype, rtol=1e-8 if name == "LBFGS" else None)


def test_complex_parts_are_optimized_separately():
    """Adam's second moment holds the squares of the real and imaginary parts
    (not the complex square ``g * g``): one step moves each part by ``lr``."""
    p = ya.Tensor(np.array([1.0 + 1.0j, 2.0 - 3.0j]), requires_grad=True)
    opt = ya.optim.Adam([p], lr=0.1)
    p.grad = ya.Tensor(np.array([2.0 + 3.0j, -1.0 + 0.5j]))
    opt.step()
    np.testing.assert_allclose(p.data, [0.9 + 0.9j, 2.1 - 3.1j], rtol=1e-6)
    np.testing.assert_allclose(opt.state[p]["exp_avg_sq"], 0.001 * np.array([4 + 9j, 1 + 0.25j]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_dict_round_trip_mid_run(name, dtype):
    kwargs = dict(BASE.get(name, {}), **EXTRA.get(name, [{}])[0])
    straight = Run(False, name, kwargs, dtype).step(20)
    first = Run(False, name, kwargs, dtype).step(10)
    sd = copy.deepcopy(first.opt.state_dict())
    resumed = Run(False, name, kwargs, dtype, arrays=dict(start_arrays(), **first.arrays()))
    resumed.opt.load_state_dict(sd)
    for p in resumed.opt.param_groups[0]["params"]:
        for v in resumed.opt.state[p].values():
            if isinstance(v, np.ndarray) and v.ndim and name != "LBFGS":
                assert v.dtype == dtype
    resumed.step(10)
    for k, v in resumed.arrays().items():
        np.testing.assert_array_equal(v, straight.arrays()[k])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_loads_torch_complex_state_dict_and_continues_like_torch(name):
    kwargs = dict(BASE.get(name, {}), **EXTRA.get(name, [{}])[0])
    theirs = Run(True, name, kwargs, np.complex128).step(6)
    ours = Run(False, name, kwargs, np.complex128, arrays=dict(start_arrays(), **theirs.arrays()))
    ours.opt.load_state_dict(theirs.opt.state_dict())
    ours.step(6)
    theirs.step(6)
    for k, v in ours.arrays().items():
        np.testing.assert_allclose(v, theirs.arrays()[k], err_msg=k, **tol(np.complex128))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_complex_grad_for_real_parameter_raises(name):
    p = ya.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = getattr(ya.optim, name)([p], **BASE.get(name, {}))

    def closure():
        p.grad = ya.Tensor(np.array([1.0 + 1.0j, 2.0j]))
        return 0.0

    with pytest.raises(RuntimeError, match="complex gradient .* real parameter"):
        opt.step(closure)
    np.testing.assert_array_equal(p.data, [1.0, 2.0])
