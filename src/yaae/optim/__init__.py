"""``yaae.optim``: PyTorch-style optimizers and learning-rate schedulers."""
