"""Transition module, removed at the end of this session: the seed streams live in :mod:`adjmat.seeds`."""
from .seeds import WEIGHT_KEY  # noqa: F401
from .seeds import extra_stream  # noqa: F401
from .seeds import junction_streams  # noqa: F401
from .seeds import seed_root  # noqa: F401
