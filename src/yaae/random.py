"""yaae's random state: ``ya.manual_seed(n)`` makes initialisation, dropout and
data shuffling reproducible (one NumPy Generator, as torch's default generator)."""
import numpy as np

_gen = [np.random.default_rng()]


def manual_seed(seed):
    """Seed yaae's default generator; returns it.

    ``manual_seed(seed)``, as ``torch.manual_seed``: seeds the generator that
    ``nn.init``, dropout, ``DataLoader(shuffle=True)`` and the random tensor
    functions draw from.  The same seed gives the same numbers (not PyTorch's
    numbers: the generator is NumPy's PCG64).

    >>> _ = ya.manual_seed(0)
    """
    _gen[0] = np.random.default_rng(int(seed))
    return _gen[0]


def default_generator():
    """The current default ``numpy.random.Generator``."""
    return _gen[0]


def seed():
    """Re-seed from fresh entropy."""
    _gen[0] = np.random.default_rng()
    return _gen[0]
