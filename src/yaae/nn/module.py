"""``Module`` and ``Parameter``: PyTorch's container protocol on yaae Tensors.

Submodules, parameters and buffers register themselves by attribute
assignment and are found again under PyTorch's dotted names
(``encoder.0.weight``, ``bn.running_mean``), so a PyTorch ``state_dict``
converted with ``{k: v.detach().numpy() for k, v in sd.items()}`` loads into
the equivalent yaae model.
"""
import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from ..tensor import Tensor, _to_args, _to_array, get_default_dtype, mark_modified

__all__ = ["Module", "Parameter"]


# --------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------
class Parameter(Tensor):
    """A Tensor that is a module parameter: it requires grad by default and is
    registered when assigned as a Module attribute.

    ``Parameter(data, requires_grad=True)``: ``data`` may be a Tensor (its
    array is shared, as in PyTorch), an ndarray (shared when it is already a
    float array) or anything ``np.asarray`` accepts (integers become the
    default float dtype).

    Example::

        >>> w = nn.Parameter(ya.zeros((2, 3)))
        >>> w.requires_grad
        True
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        else:
            arr = _c_order(_to_array(data, None, copy=False, who="Parameter"))
        self._init(arr, requires_grad)

    # A parameter's array is kept C-contiguous (a copy of one that is not, e.g.
    # the transpose of a checkpoint stored the other way round): gradients come
    # out C-contiguous, and an update mixing layouts (p -= lr * g with p in
    # Fortran order) runs several times slower than one with matching layouts.
    # Otherwise ``.data = value`` shares ``value``, as in PyTorch.
    def _set_data(self, value):
        Tensor.data.fset(self, value)
        self._data = _c_order(self._data)

    data = property(Tensor.data.fget, _set_data,
                    doc="The values, as an ndarray (always C-contiguous for a Parameter).")

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(np.array(self.data, copy=True), requires_grad=self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor(np.array(self.grad.data, copy=True), dtype=self.grad.dtype)
        memo[id(self)] = p
        return p


def _c_order(arr):
    """``arr`` itself when C-contiguous (or not an ndarray), else a C-ordered copy."""
    if type(arr) is np.ndarray and not arr.flags.c_contiguous:
        return np.ascontiguousarray(arr)
    return arr


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad=requires_grad)


def _as_buffer(value):
    if value is None or isinstance(value, Tensor):
        return value
    arr = np.asarray(value)
    return Tensor(arr, dtype=arr.dtype)


def _cast_problem(arr, dtype):
    """Why the checkpoint value ``arr`` cannot be copied into an array of
    ``dtype`` without changing its values, or None when it can: NumPy's
    'same_kind' rule (float64 into float32 loads; a float into an integer
    buffer, a complex into a real parameter, strings and objects do not), and
    no integer overflow or finite float turned into inf by the narrowing."""
    src = np.dtype(arr.dtype)
    if src.kind not in "biufc":
        return (f"{src} values are not numbers; give a numeric array (a Tensor, an ndarray "
                f"or numbers)")
    if not np.can_cast(src, dtype, casting="same_kind"):
        if src.kind == "c":
            what, fix = "the imaginary parts", "np.real(v)"
        else:
            what, fix = "the fractional parts", f"np.round(v).astype({str(dtype)!r})"
        return (f"casting {src} to {dtype} would silently drop {what}; convert the value "
                f"explicitly first ({fix}) if that is what you want")
    if arr.size == 0 or np.can_cast(src, dtype, casting="safe"):
        return None
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if arr.min() < info.min or arr.max() > info.max:
            return (f"its values (from {arr.min()} to {arr.max()}) do not fit in {dtype} "
                    f"([{info.min}, {info.max}])")
    elif dtype.kind in "fc":
        parts = (arr.real, arr.imag) if src.kind == "c" else (arr,)
        big = max(float(np.max(np.abs(np.where(np.isfinite(p), p, 0)))) for p in parts)
        if big > float(np.finfo(dtype).max):
            return f"its finite values (up to {big:g} in magnitude) would overflow {dtype} to inf"
    return None


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class _RemovableHandle:
    _ids = itertools.count()

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = next(self._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _addindent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * n + line for line in lines)


# --------------------------------------------------------------------------
# Module
# --------------------------------------------------------------------------
class Module:
    """Base class of every layer and model (PyTorch's ``nn.Module`` protocol).

    Example::

        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return ya.tanh(self.fc(x))
        >>> Net()(ya.ones((3, 4))).shape
        (3, 2)
        >>> list(Net().state_dict())
        ['fc.weight', 'fc.bias']
    """

    training: bool
    dump_patches = False

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()

    # ---- forward -----------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The computation of the module: subclasses define it; call the module
        (``m(x)``), not ``forward``, so that hooks run (as PyTorch).
        """
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        pre = self.__dict__.get("_forward_pre_hooks")
        if pre:
            for hook in list(pre.values()):
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        out = self.forward(*args, **kwargs)
        post = self.__dict__.get("_forward_hooks")
        if post:
            for hook in list(post.values()):
                r = hook(self, args, out)
                if r is not None:
                    out = r
        return out

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` runs before ``forward``; may return new args."""
        h = _RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[h.id] = hook
        return h

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` runs after ``forward``; may return a new output."""
        h = _RemovableHandle(self._forward_hooks)
        self._forward_hooks[h.id] = hook
        return h

    # ---- registration ------------------------------------------------------
    def register_parameter(self, name, param):
        """``register_parameter(name, param)``: register a ``Parameter`` (or None) under
        ``name``; it appears in ``parameters()`` and ``state_dict()``.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (yaae.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """``register_buffer(name, tensor, persistent=True)``: a Tensor that is part of
        the state but not a parameter (running statistics); in ``state_dict()``
        unless ``persistent=False``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, (Tensor, np.ndarray)):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor, ndarray or None required)")
        self._buffers[name] = _as_buffer(tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """``add_module(name, module)``: register a submodule under ``name``, as assigning
        an attribute does (``register_module`` is the same method, as in PyTorch)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")

        def remove_from(*dicts):
            for dd in dicts:
                if name in dd:
                    if isinstance(dd, dict):
                        del dd[name]
                    else:
                        dd.discard(name)

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(d, d["_buffers"], d["_modules"], d["_non_persistent_buffers_set"])
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(yaae.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(d, d["_parameters"], d["_buffers"], d["_non_persistent_buffers_set"])
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (yaae.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor, ndarray or None expected)")
            buffers[name] = _as_buffer(value)
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            sub = d.get(key)
            if sub is not None and name in sub:
                return sub[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        if name in d.get("_parameters", ()):
            del d["_parameters"][name]
        elif name in d.get("_buffers", ()):
            del d["_buffers"][name]
            d["_non_persistent_buffers_set"].discard(name)
        elif name in d.get("_modules", ()):
            del d["_modules"][name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__())
        keys.update(self._parameters, self._buffers, self._modules)
        return sorted(k for k in keys if not k[:1].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ---- traversal ----------------------------------------------------------
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in memo:
                        continue
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``named_parameters(prefix='', recurse=True, remove_duplicate=True)``: an
        iterator of ``(name, Parameter)``, names dotted as in ``state_dict()``.
        """
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse=True):
        """``parameters(recurse=True)``: an iterator of the module's Parameters (what an
        optimizer takes), each once.
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """``named_buffers(prefix='', recurse=True, remove_duplicate=True)``: ``(name,
        buffer)`` pairs.
        """
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse=True):
        """``buffers(recurse=True)``: an iterator of the module's buffers (running
        statistics, ...).
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        """An iterator of ``(name, module)`` for the direct submodules."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def children(self):
        """An iterator of the direct submodules, in registration order."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``named_modules(memo=None, prefix='', remove_duplicate=True)``: ``(name, module)``
        for this module ('') and every submodule, depth first.
        """
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        """An iterator of this module and every submodule, depth first, each once."""
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target):
        """``get_submodule(target)``: the submodule at the dotted path ``target`` ('' is self)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not isinstance(mod, Module) or item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        """``get_parameter(target)``: the Parameter at the dotted path ``target`` ('0.weight')."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    def get_buffer(self, target):
        """``get_buffer(target)``: the buffer at the dotted path ``target`` ('bn.running_mean')."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"{type(mod).__name__} has no buffer `{name}`")
        return mod._buffers[name]

    # ---- modes and gradients ------------------------------------------------------
    def train(self, mode=True):
        """``train(mode=True)``: set training mode on this module and its submodules
        (dropout active, batch norm uses batch statistics); returns self.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """Evaluation mode, ``train(False)``: dropout off, batch norm uses running
        statistics; returns self.
        """
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """``requires_grad_(requires_grad=True)``: set ``requires_grad`` of every parameter;
        returns self.
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """``zero_grad(set_to_none=True)``: clear the ``.grad`` of every parameter (None, or
        zeros).
        """
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p.grad.data), dtype=p.grad.dtype)

    def apply(self, fn):
        """``apply(fn)``: call ``fn(m)`` on every submodule and then on self (to initialise
        weights); returns self.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- dtype ---------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)`` converts parameters (and their gradients) and floating
        buffers; the CPU device (``"cpu"``, ``ya.device("cpu")``) is accepted and
        changes nothing, any other device raises a ValueError (yaae runs on the CPU)."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        dtype = _to_args(args, dtype, device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")

        def convert(t):
            if t.dtype.kind in "fc":
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data.astype(dtype), dtype=dtype)

        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    convert(p)
            for b in m._buffers.values():
                if b is not None:
                    convert(b)
        return self

    def float(self):
        """Cast every floating-point parameter and buffer to float32 in place; returns self."""
        return self.to(np.float32)

    def double(self):
        """Cast every floating-point parameter and buffer to float64 in place; returns self."""
        return self.to(np.float64)

    def cpu(self):
        """Returns self: yaae runs on the CPU (PyTorch's ``cpu()``, kept for ported code)."""
        return self

    # ---- state dicts ----------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else np.array(p.data, copy=True)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else np.array(b.data, copy=True)

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ordered dict of parameter and persistent buffer values under
        PyTorch's dotted names (ndarray copies; the Tensors with ``keep_vars``)."""
        if args:
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and
        buffers (PyTorch semantics).  Shapes must match; with ``strict`` the keys
        must match exactly.  Returns ``(missing_keys, unexpected_keys)``."""
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        missing, unexpected, errors = [], [], []
        expected = set()
        for mod_prefix, module in self.named_modules(remove_duplicate=False):
            pre = mod_prefix + "." if mod_prefix else ""
            local = [(n, p) for n, p in module._parameters.items() if p is not None]
            local += [(n, b) for n, b in module._buffers.items()
                      if b is not None and n not in module._non_persistent_buffers_set]
            for name, t in local:
                key = pre + name
                expected.add(key)
                if key not in state_dict:
                    missing.append(key)
                    continue
                value = state_dict[key]
                try:
                    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
                except (ValueError, TypeError) as e:     # ragged nested lists, ...
                    errors.append(f"cannot load {key}: its value ({type(value).__name__}) is "
                                  f"not an array ({e}); give an array of shape {t.shape}.")
                    continue
                if arr.shape != t.shape:
                    errors.append(
                        f"size mismatch for {key}: copying a param with shape {arr.shape} "
                        f"from checkpoint, the shape in current model is {t.shape}.")
                    continue
                problem = _cast_problem(arr, t.data.dtype)
                if problem is not None:
                    errors.append(
                        f"dtype mismatch for {key}: copying a value of dtype {arr.dtype} and "
                        f"shape {arr.shape} from checkpoint into the {t.data.dtype} tensor "
                        f"of shape {t.shape} in current model: {problem}.")
                    continue
                dst = t.data
                if dst.flags.writeable and (dst.flags.c_contiguous or not isinstance(t, Parameter)):
                    np.copyto(dst, arr, casting="unsafe")
                else:       # (a parameter's array is kept C-contiguous)
                    t.data = np.array(arr, dtype=dst.dtype, order="C")
                mark_modified(t)    # in place: a graph that saved t can no longer backward
        for key in state_dict.keys():
            if key not in expected:
                unexpected.append(key)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ---- repr ----------------------------------------------------------------------
    def extra_repr(self):
        """The module's own settings, shown inside ``repr(m)``: subclasses override it
        (here, '')."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra_lines = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
