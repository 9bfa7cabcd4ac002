"""yaae's random state: ``ya.manual_seed(n)`` makes initialisation, dropout and
data shuffling reproducible (one NumPy Generator, as torch's default generator)."""
import numpy as np

_gen = [np.random.default_rng()]


def manual_seed(seed):
    """Seed yaae's default generator; returns it."""
    _gen[0] = np.random.default_rng(int(seed))
    return _gen[0]


def default_generator():
    """The current default ``numpy.random.Generator``."""
    return _gen[0]


def seed():
    """Re-seed from fresh entropy."""
    _gen[0] = np.random.default_rng()
    return _gen[0]
