"""Transition module, removed at the end of this session: its contents moved to public modules.

Errors: :mod:`adjmat.errors`; argument checks and seeds: :mod:`adjmat.validation`; divisors: :mod:`adjmat.intmath`;
memory limits: :mod:`adjmat.memory`.
"""
from .errors import DivergenceError  # noqa: F401
from .errors import SpecError  # noqa: F401
from .validation import MAX_SIZE  # noqa: F401
from .validation import check_bool  # noqa: F401
from .validation import check_choice  # noqa: F401
from .validation import check_float  # noqa: F401
from .validation import check_int  # noqa: F401
from .validation import check_int_tuple  # noqa: F401
from .validation import check_size  # noqa: F401
from .validation import fail  # noqa: F401
from .validation import normalize_seed  # noqa: F401
from .intmath import divisors  # noqa: F401
from .intmath import near_divisors  # noqa: F401
from .intmath import nearest  # noqa: F401
from .memory import MEMORY_ENV  # noqa: F401
from .memory import available_memory  # noqa: F401
from .memory import check_memory  # noqa: F401
from .memory import memory_limit  # noqa: F401
