"""Transforms reject what they cannot differentiate (issue #9, section 4):
duplicate argnums, functions that return None or non-arrays,
tangents whose shapes or structure do not match the primals (the batch
convention used inside jacfwd never leaks into jvp/hvp), string and object
inputs."""
import jax
import numpy as np
import pytest

import yaae as ya

jax.config.update("jax_enable_x64", True)
X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("transform", [ya.grad, ya.value_and_grad, ya.jacrev, ya.jacfwd,
                                       ya.hessian])
def test_duplicate_argnums_raise(transform):
    # (JAX silently accepts them; the issue asks for an error)
    f = lambda x, y: ya.sum(x * y)  # noqa: E731
    with pytest.raises(ValueError, match="more than once"):
        transform(f, argnums=(0, 0))(X, X)


@pytest.mark.parametrize("ret", [None, "text", [None], {"a": object()}])
@pytest.mark.parametrize("transform", ["grad", "vjp", "jvp", "jacrev", "jacfwd"])
def test_function_returning_non_arrays_raises(transform, ret):
    f = lambda x: ret  # noqa: E731
    with pytest.raises(TypeError, match="must return arrays"):
        if transform == "vjp":
            ya.vjp(f, X)
        elif transform == "jvp":
            ya.jvp(f, (X,), (X,))
        else:
            getattr(ya, transform)(f)(X)


@pytest.mark.parametrize("tangent", [np.ones((2, 3)), np.ones(2), np.ones((3, 1)), np.ones(())])
def test_jvp_and_hvp_tangent_shapes_must_match(tangent):
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        ya.jvp(ya.sin, (X,), (tangent,))
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        ya.hvp(lambda x: ya.sum(x ** 3), (X,), (tangent,))
    with pytest.raises((ValueError, TypeError)):
        jax.jvp(jax.numpy.sin, (X,), (tangent,))


def test_jvp_tangent_structure_must_match():
    f = lambda x, y: x * y  # noqa: E731
    with pytest.raises(ValueError, match="structure"):
        ya.jvp(f, (X, X), ((X, X),))
    with pytest.raises(ValueError, match="structure"):
        ya.jvp(lambda d: d["a"], ({"a": X},), ({"b": X},))
    _, t = ya.jvp(lambda d: d["a"] * 2, ({"a": X},), ({"a": np.ones(3)},))
    np.testing.assert_array_equal(t, np.full(3, 2.0))


@pytest.mark.parametrize("bad", ["abc", np.array(["a", "b"]), np.array([1.0, None], dtype=object),
                                 None])
def test_string_and_object_inputs_raise(bad):
    with pytest.raises(TypeError, match="expected"):
        ya.grad(lambda x: ya.sum(x))(bad)
    with pytest.raises(TypeError, match="expected"):
        ya.jvp(lambda x: x, (bad,), (bad,))


def test_valid_calls_still_work():
    np.testing.assert_allclose(ya.jacfwd(lambda x: x ** 2)(X), np.diag(2 * X))
    _, hv = ya.hvp(lambda x: ya.sum(x ** 3), (X,), (np.ones(3),))
    np.testing.assert_allclose(hv, 6 * X)
    g0, g1 = ya.grad(lambda x, y: ya.sum(x * y), argnums=(1, 0))(X, 2 * X)
    np.testing.assert_allclose(g0, X)
    np.testing.assert_allclose(g1, 2 * X)
