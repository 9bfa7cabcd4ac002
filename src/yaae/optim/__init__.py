"""``yaae.optim``: PyTorch-style optimizers and learning-rate schedulers.

Optimizers (same names, signatures, defaults and update formulas as
``torch.optim``; single-tensor code paths): ``SGD``, ``Adam``, ``AdamW``,
``RMSprop``, ``Adagrad``, ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam`` and
``LBFGS`` (``step(closure)``, optional strong-Wolfe line search), built on
``Optimizer`` (parameter groups, per-parameter ``state``, ``zero_grad``,
``step(closure)``, ``state_dict`` / ``load_state_dict``).  Schedulers live in ``yaae.optim.lr_scheduler``.

Example::

    opt = ya.optim.Adam(model.parameters(), lr=1e-3)
    sched = ya.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    for x, y in data:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    sched.step()
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .lbfgs import LBFGS
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "LBFGS", "lr_scheduler"]
