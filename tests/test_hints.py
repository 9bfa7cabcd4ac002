""""Did you mean" hints (issue #11 §4): ``ya.X`` for a PyTorch or JAX name yaae lacks raises
Python's AttributeError with what to write in yaae; names yaae has are never hinted."""
import pytest

import yaae as ya
from yaae._hints import HINTS


@pytest.mark.parametrize("name,says", [("vmap", "jacrev"), ("jit", "nothing to compile"),
                                       ("lax", "ya.where"), ("func", "ya.grad")])
def test_jax_and_torch_names_say_what_to_use(name, says):
    if name in vars(ya):
        pytest.skip(f"ya.{name} exists")
    with pytest.raises(AttributeError, match=rf"module 'yaae' has no attribute '{name}'; .*{says}"):
        getattr(ya, name)


def test_every_missing_hinted_name_gets_its_hint():
    for name, hint in HINTS.items():
        if name in vars(ya):
            continue               # added since: the hook is not consulted
        with pytest.raises(AttributeError) as e:
            getattr(ya, name)
        assert hint in str(e.value) and e.value.name == name


def test_existing_names_are_never_hinted():
    assert ya.value_and_grad is not None and ya.concatenate is not None
    assert not hasattr(ya, "vmap") and not hasattr(ya, "__wrapped__")


def test_unknown_names_keep_pythons_message():
    with pytest.raises(AttributeError, match=r"^module 'yaae' has no attribute 'no_such_thing'$"):
        ya.no_such_thing


def test_from_import_of_a_hinted_name_is_an_import_error():
    with pytest.raises(ImportError):
        exec("from yaae import vmap", {})


def test_hinted_yaae_names_exist():
    """Every ``ya.NAME`` a hint recommends is real (no hint points to another missing name)."""
    import re
    import yaae._hints as h
    for name, hint in {**HINTS, **h.NN_HINTS, **h.F_HINTS}.items():
        for ref in re.findall(r"\bya\.([A-Za-z_][\w.]*)", hint):
            obj = ya
            for part in ref.split("."):
                obj = getattr(obj, part)


@pytest.mark.parametrize("module,table", [("nn", "NN_HINTS"), ("nn.functional", "F_HINTS")])
def test_nn_and_functional_hints(module, table):
    import yaae._hints as h
    mod = ya.nn if module == "nn" else ya.nn.functional
    for name, hint in getattr(h, table).items():
        if name in vars(mod):
            continue
        with pytest.raises(AttributeError, match=rf"module 'yaae\.{module}' has no attribute "
                                                 rf"'{name}'; it is a PyTorch/JAX name") as e:
            getattr(mod, name)
        assert hint in str(e.value)
    with pytest.raises(AttributeError, match=r"^module 'yaae\.nn' has no attribute 'nope'$"):
        ya.nn.nope


def test_hinted_formulas_are_right():
    """The formulas the nn.functional hints give match PyTorch."""
    torch = pytest.importorskip("torch")
    import numpy as np
    import yaae.nn.functional as F
    x = np.linspace(-8, 8, 41)
    t = torch.tensor(x)
    for ours, theirs in [(ya.clip(x, 0, 6), torch.nn.functional.relu6(t)),
                         (ya.clip(x, -1, 1), torch.nn.functional.hardtanh(t)),
                         (x * ya.tanh(F.softplus(ya.tensor(x))), torch.nn.functional.mish(t)),
                         (x / (1 + ya.abs(x)), torch.nn.functional.softsign(t)),
                         (ya.clip(x / 6 + 0.5, 0, 1), torch.nn.functional.hardsigmoid(t)),
                         (x * ya.clip(x / 6 + 0.5, 0, 1), torch.nn.functional.hardswish(t)),
                         (x - ya.tanh(x), torch.nn.functional.tanhshrink(t))]:
        np.testing.assert_allclose(np.asarray(ya.tensor(ours).data), theirs.numpy(), atol=1e-12)


def test_no_hint_for_a_name_that_exists():
    # the hook only runs for missing names: a hint for a name yaae now has is dead text
    import yaae._hints as h
    for table, mod in ((HINTS, ya), (h.NN_HINTS, ya.nn), (h.F_HINTS, ya.nn.functional)):
        assert not [k for k in table if k in vars(mod)]
