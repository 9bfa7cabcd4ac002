"""SciPy is optional (``pip install yaae[scipy]``): ``import yaae`` never
imports it, works without it (checked in a subprocess where a meta-path
finder makes every ``import scipy`` fail, as if it were not installed), and
``ya.scipy`` then raises an ImportError saying how to install it."""
import subprocess
import sys
import textwrap

BLOCK = textwrap.dedent("""
    import sys

    class NoScipy:
        def find_spec(self, name, path=None, target=None):
            if name == "scipy" or name.startswith("scipy."):
                raise ImportError(f"No module named {name!r} (blocked)")
            return None

    sys.meta_path.insert(0, NoScipy())
""")


def _run(code, block=True):
    src = (BLOCK if block else "") + textwrap.dedent(code)
    r = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_import_yaae_does_not_import_scipy():
    out = _run("""
        import sys
        import numpy as np
        import yaae as ya
        x = ya.tensor(np.array([0.5, 2.0]), requires_grad=True)
        ya.sum(ya.exp(x) * ya.sinc(x)).backward()
        ya.nn.Linear(2, 3)(x)
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
    """, block=False)
    assert out.strip() == "[]"


def test_yaae_works_without_scipy_and_ya_scipy_says_how_to_install_it():
    out = _run("""
        import numpy as np
        import yaae as ya
        x = ya.tensor(np.array([0.5, 2.0]), requires_grad=True)
        ya.sum(ya.logsumexp(x) + ya.tanh(x)).backward()
        assert np.all(np.isfinite(x.grad.data))
        for get in (lambda: ya.scipy, lambda: ya.scipy.special.gammaln,
                    lambda: __import__("yaae.scipy")):
            try:
                get()
            except ImportError as e:
                assert "pip install yaae[scipy]" in str(e), str(e)
            else:
                raise AssertionError("ya.scipy imported without SciPy")
        try:
            from yaae import scipy
        except ImportError as e:
            assert "pip install yaae[scipy]" in str(e), str(e)
        else:
            raise AssertionError("from yaae import scipy worked without SciPy")
        print("ok")
    """)
    assert out.strip() == "ok"


def test_ya_scipy_loads_on_first_access():
    out = _run("""
        import sys
        import yaae as ya
        assert "scipy" not in sys.modules
        sp = ya.scipy
        assert "scipy" in sys.modules and "yaae.scipy.special" not in sys.modules
        assert abs(ya.scipy.special.gammaln(3.0).item() - __import__("math").log(2.0)) < 1e-15
        assert "special" in dir(ya.scipy)
        try:
            ya.no_such_thing
        except AttributeError as e:
            assert "no_such_thing" in str(e)
        print("ok")
    """, block=False)
    assert out.strip() == "ok"
