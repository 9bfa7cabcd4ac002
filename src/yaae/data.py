"""``yaae.data``: datasets and a DataLoader (PyTorch's names)."""
