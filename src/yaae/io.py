"""``yaae.save`` / ``yaae.load``: checkpoints in a documented .npz format, no pickle."""


def save(obj, path):
    raise NotImplementedError


def load(path):
    raise NotImplementedError
