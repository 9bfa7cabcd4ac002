"""The demos a newcomer runs first: ``yaae demo [NAME]``.

Each demo is a module here with a ``run(out, seed, epochs, quiet)`` function
that trains with yaae's own nn and optim, writes its figures into ``out`` and
returns its final metrics as a dict.  ``DEMOS`` lists them in the order
``yaae demo --list`` shows.
"""
import importlib

DEMOS = {
    "classification": "MLP 2-16-16-1 on make_circles (or --data moons|spirals): decision boundary over training",
    "regression": "linear model on make_regression, and an MLP fitting a 1-D curve over training",
    "surface": "MLP 2-30-30-1 learning f(x, y) = (x^2 + y^2)/2: loss curve and surfaces in 3-D",
    "digits": "a CNN on scikit-learn's 8x8 digits: confusion matrix and misclassified digits",
    "gan": "GANs on a ring of 8 Gaussians and on the digits: samples over training",
    "modes": "forward vs reverse mode: jacfwd and jacrev timed as n and m vary",
    "graph": "the write-ups' example graph drawn before and after backward",
    "stepper": "step-through HTML pages of the forward and reverse sweeps (two examples, an MLP's loss)",
    "ddp": "the digits CNN trained data-parallel on 2 MPI processes (relaunches itself under mpirun)",
}

DEFAULT = "classification"


def get(name):
    """The module of demo ``name`` (KeyError for an unknown name)."""
    if name not in DEMOS:
        raise KeyError(name)
    return importlib.import_module(f"{__name__}.{name}")
