"""``yaae.nn``: PyTorch-style modules, layers and losses built on yaae's primitives."""
