""""Did you mean" hints: ``ya.X`` for a PyTorch or JAX name that yaae does not have.

``yaae.__getattr__`` (consulted by Python only for names the module lacks) raises
the AttributeError made here: Python's message, plus what to write in yaae when
``X`` is a known PyTorch or JAX name.  Names yaae defines never reach this table,
so a hint can never hide a real function.
"""

_NOT_AVAILABLE = "not available in yaae"
HINTS = {
    # JAX
    "vmap": f"{_NOT_AVAILABLE} (no vmap): for batched Jacobians use ya.jacrev / ya.jacfwd, "
            "which sweep all basis vectors at once; otherwise a Python loop and ya.stack",
    "pmap": f"{_NOT_AVAILABLE}: yaae runs on one CPU",
    "jit": f"{_NOT_AVAILABLE}: yaae runs NumPy eagerly, there is nothing to compile; drop the "
           "decorator",
    "lax": f"{_NOT_AVAILABLE}: use ya.* (NumPy's names), e.g. ya.where for lax.select and "
           "ya.stop_gradient for lax.stop_gradient",
    "tree_map": "ya.tree_util.tree_map",
    "tree_leaves": "ya.tree_util.tree_leaves",
    "numpy": "ya itself has NumPy's names (ya.sin, ya.sum, ya.linalg.svd); for a Tensor's values "
             "use t.numpy() or t.data",
    # PyTorch
    "unsqueeze": "ya.expand_dims(x, dim) or x[:, None]",
    "permute": "ya.transpose(x, axes) (NumPy's transpose takes the whole permutation)",
    "movedim": "ya.moveaxis(x, source, destination)",
    "flatten": "ya.ravel(x) or ya.reshape(x, (n, -1))",
    "numel": "x.size (NumPy's name for the number of elements)",
    "index_select": "ya.take(x, indices, axis=dim)",
    "gather": "ya.take_along_axis(x, indices, axis=dim)",
    "masked_fill": "ya.where(mask, value, x)",
    "repeat_interleave": "ya.repeat(x, repeats, axis=dim) (NumPy's repeat; torch's Tensor.repeat "
                         "is ya.tile)",
    "set_grad_enabled": "ya.autograd.set_grad_enabled(mode), or ya.no_grad() / ya.enable_grad()",
    "func": "torch.func's transforms are at the top level: ya.grad, ya.vjp, ya.jvp, ya.jacrev, "
            "ya.jacfwd, ya.hessian",
    "rsqrt": "1 / ya.sqrt(x)",
    "addmm": "beta * c + alpha * (a @ b)",
    "chunk": "ya.array_split(x, chunks, axis=dim)",
    "dist": "ya.linalg.norm(a - b)",
    "norm": "ya.linalg.norm(x, ord, axis) or ya.linalg.vector_norm",
    "cuda": "yaae runs on the CPU only; there is no CUDA",
    "Size": "a tuple: x.shape is a tuple of ints",
    "utils": "torch.utils.data is ya.data (DataLoader, TensorDataset, Dataset)",
    "Generator": "np.random.default_rng(seed), a NumPy Generator (DataLoader(generator=...) and "
                 "random_split take one); ya.manual_seed(seed) seeds yaae's default generator",
    "seed": "ya.manual_seed(seed)",
    "is_tensor": "isinstance(x, ya.Tensor)",
    "as_tensor": "ya.tensor(data), or ya.from_numpy(array) to share the array's memory",
    "empty_like": "ya.zeros_like(x)",
    "clone": "x.clone()",
    "t": "x.t() or x.T",
    "detach": "x.detach() or ya.stop_gradient(x)",
    "inference_mode": "ya.no_grad()",
    "topk": "i = ya.argsort(-x, axis=dim)[..., :k] and ya.take_along_axis(x, i, axis=dim)",
    "scatter": "ya.where(mask, values, x), or y = x.clone(); y[index] = values",
    "nonzero": "ya.tensor(np.nonzero(x.data)) (indices carry no gradient)",
    "unique": "np.unique(x.data) for the values as data; to keep a gradient gather x with the "
              "indices np.unique(x.data, return_index=True) gives",
    "allclose": "np.allclose(a.data, b.data)",
    "isclose": "ya.tensor(np.isclose(a.data, b.data))",
    "all": "x.all() / x.all(dim=...) (the Tensor methods)",
    "any": "x.any() / x.any(dim=...) (the Tensor methods)",
    "normal": "mean + std * ya.randn(shape)",
    "bernoulli": "(ya.rand(*p.shape) < p).float()",
    "multinomial": "np.random.default_rng().choice(n, size, p=p.data) (no gradient)",
    "randint_like": "ya.randint(low, high, x.shape)",
    "pow": "ya.power(x, y) or x ** y",
    "neg": "ya.negative(x) or -x",
    "asin": "ya.arcsin (NumPy's name)",
    "acos": "ya.arccos (NumPy's name)",
    "atan": "ya.arctan (NumPy's name)",
    "atan2": "ya.arctan2 (NumPy's name)",
    "lerp": "start + weight * (end - start)",
    "mv": "ya.matmul(A, v) or A @ v",
    "erf": "ya.scipy.special.erf",
    "erfinv": "ya.scipy.special.erfinv",
    "lgamma": "ya.scipy.special.gammaln",
    "digamma": "ya.scipy.special.digamma",
    "det": "ya.linalg.det",
    "inverse": "ya.linalg.inv",
    "pinverse": "ya.linalg.pinv",
    "svd": "ya.linalg.svd",
    "qr": "ya.linalg.qr",
    "cholesky": "ya.linalg.cholesky",
    "eig": "ya.linalg.eig",
    "solve": "ya.linalg.solve(A, b)",
    "cdist": "ya.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)",
}

# ya.nn and ya.nn.functional: PyTorch names with a short yaae equivalent.
NN_HINTS = {
    "DataParallel": "not available: yaae runs on one CPU; use the module itself",
    "DistributedDataParallel": "not available: yaae runs on one CPU; use the module itself",
    "SyncBatchNorm": "ya.nn.BatchNorm1d / BatchNorm2d (one process: nothing to synchronise)",
    "LazyLinear": "ya.nn.Linear(in_features, out_features): give in_features",
    "ParameterList": "register each with self.register_parameter(name, ya.nn.Parameter(...)), "
                     "or keep the parameters in modules in a ya.nn.ModuleList",
    "ParameterDict": "register each with self.register_parameter(name, ya.nn.Parameter(...))",
    "ReLU6": "in forward: ya.clip(x, 0, 6)",
    "Hardtanh": "in forward: ya.clip(x, min_val, max_val)",
    "Mish": "in forward: x * ya.tanh(ya.nn.functional.softplus(x))",
    "Softsign": "in forward: x / (1 + ya.abs(x))",
}
F_HINTS = {
    "grid_sample": "not available in yaae",
    "relu6": "ya.clip(x, 0, 6)",
    "hardtanh": "ya.clip(x, min_val, max_val)",
    "mish": "x * ya.tanh(ya.nn.functional.softplus(x))",
    "softsign": "x / (1 + ya.abs(x))",
    "hardsigmoid": "ya.clip(x / 6 + 0.5, 0, 1)",
    "hardswish": "x * ya.clip(x / 6 + 0.5, 0, 1)",
    "tanhshrink": "x - ya.tanh(x)",
}


def missing(module, name, table=None):
    """The AttributeError for ``module.name``, with the hint for ``name`` if it has one."""
    table = HINTS if table is None else table
    msg = f"module {module!r} has no attribute {name!r}"
    if name in table:
        msg += f"; it is a PyTorch/JAX name. In yaae: {table[name]}"
    return AttributeError(msg, name=name)


def install(module, table):
    """Give ``module`` a module-level ``__getattr__`` that raises with ``table``'s hints
    (for modules whose own source defines none; PEP 562 reads it from the module dict)."""
    if "__getattr__" in vars(module):
        return

    def __getattr__(name):
        raise missing(module.__name__, name, table)
    module.__getattr__ = __getattr__


def scipy_caller():
    """``"; use ya.scipy.stats.norm.logpdf, ..."``: what to call instead when a Tensor
    reaches ``__array__`` from a SciPy function: the outermost ``scipy.*`` frame above
    the conversion names it (a ``scipy.stats`` distribution's method, or a function of
    ``scipy.special``/``linalg``/``signal``/``integrate``/``optimize``); else ``""``."""
    import sys
    f, frames = sys._getframe(2), []
    for _ in range(12):
        if f is None:
            break
        if f.f_globals.get("__name__", "").startswith("scipy."):
            frames.append(f)
        elif frames:
            break
        f = f.f_back
    if not frames:
        return ""
    entry = frames[-1]
    from . import scipy as ya_scipy   # SciPy is loaded: the caller is SciPy
    if not (entry.f_globals["__name__"].startswith("scipy.stats")
            and entry.f_locals.get("self") is not None):
        # the outermost frame that is a function yaae has, or a decorator's wrapper
        # around one (SciPy's batching wrapper converts its arguments first)
        for fr in reversed(frames):
            found = [(fr.f_globals["__name__"], fr.f_code.co_name)]
            for v in fr.f_code.co_freevars:
                o = fr.f_locals.get(v)
                if callable(o):
                    found.append((getattr(o, "__module__", None) or "", getattr(o, "__name__", "")))
            for modname, name in found:
                sub = modname.split(".")[1] if modname.startswith("scipy.") else "_"
                mod = None if sub.startswith("_") else getattr(ya_scipy, sub, None)
                if mod is not None and name and not name.startswith("_") \
                        and callable(getattr(mod, name, None)):
                    return (f". For scipy.{sub}.{name}, call ya.scipy.{sub}.{name}(...) "
                            f"instead: the same function, differentiable")
        return ""
    name = entry.f_code.co_name
    obj = entry.f_locals.get("self")
    dist = getattr(obj, "name", None) or getattr(getattr(obj, "dist", None), "name", None) \
        or type(obj).__name__.removesuffix("_gen").removesuffix("_frozen")
    stats = ya_scipy.stats
    if not hasattr(getattr(stats, dist, None), name):
        return (f". yaae has no ya.scipy.stats.{dist}.{name}; write it with ya.* and "
                f"ya.scipy.special ops (ya.scipy.stats has {', '.join(stats.__all__)})")
    return (f". For scipy.stats, call ya.scipy.stats.{dist}.{name}(...) instead: the "
            f"same function, differentiable")
