"""Transition module, removed at the end of this session: the version lives in :mod:`adjmat.version`."""
from .version import package_version  # noqa: F401
