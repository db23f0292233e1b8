"""Argument checks shared by adjmat, hwsim and predefsparse: one message shape, one structured error.

Every refusal reads::

    "<where>: <param> must be <expected>; received <param>=<value>. <hint>"

and is a :class:`adjmat.SpecError` carrying those parts.  The helpers return the normalised value so callers can
write ``p = check_int("generate", "p", p, minimum=1)``.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import SpecError

__all__ = ["fail", "check_int", "check_float", "check_choice", "check_bool", "check_int_tuple", "check_size",
           "MAX_SIZE", "normalize_seed"]


def fail(where: str, param: str, expected: str, value: Any, hint: str | None = None) -> SpecError:
    """Build (not raise) a :class:`SpecError` in the house message shape, its parts kept as attributes.

    Examples
    --------
    >>> err = fail("generate", "p", "a positive integer", -3)
    >>> str(err)
    'generate: p must be a positive integer; received p=-3.'
    >>> err.param, err.value, err.naming("--p")
    ('p', -3, 'generate: --p must be a positive integer; received --p=-3.')
    """
    return SpecError(where=where, param=param, value=value, expected=expected, hint=hint or None)


def check_int(where: str, param: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None, allow_none: bool = False) -> int | None:
    """Return ``value`` as a Python int, or raise :class:`SpecError`.

    Booleans and floats (even integral ones such as ``4.0``) are refused: nothing is silently converted.

    Examples
    --------
    >>> check_int("f", "z", np.int64(8), minimum=1)
    8
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        kind = "an integer" if minimum is None else (
            "a positive integer" if minimum == 1 else f"an integer >= {minimum}")
        raise fail(where, param, kind + (" or None" if allow_none else ""), value)
    value = int(value)
    if minimum is not None and value < minimum:
        raise fail(where, param, "a positive integer" if minimum == 1 else f"an integer >= {minimum}", value)
    if maximum is not None and value > maximum:
        raise fail(where, param, f"an integer <= {maximum}", value)
    return value


def check_float(where: str, param: str, value: Any, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False, allow_none: bool = False) -> float | None:
    """Return ``value`` as a finite float within the given interval, or raise :class:`SpecError`.

    Examples
    --------
    >>> check_float("generate", "density", 0.5, low=0, high=1, low_open=True)
    0.5
    """
    if value is None and allow_none:
        return None
    interval = None
    if low is not None or high is not None:
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{lb}{lo}, {hi}{rb}"
    expected = "a finite number" + (f" in {interval}" if interval else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail(where, param, expected, value)
    value = float(value)
    if not np.isfinite(value):
        raise fail(where, param, expected, value)
    if low is not None and (value < low or (low_open and value == low)):
        raise fail(where, param, expected, value)
    if high is not None and (value > high or (high_open and value == high)):
        raise fail(where, param, expected, value)
    return value


def check_choice(where: str, param: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise :class:`SpecError` listing them.

    Examples
    --------
    >>> check_choice("simulate", "mode", "train", ("train", "infer"))
    'train'
    """
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok or isinstance(value, (bool, np.bool_)) and not any(isinstance(c, bool) for c in choices):
        raise fail(where, param, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_bool(where: str, param: str, value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise :class:`SpecError`.

    Examples
    --------
    >>> check_bool("generate", "dither", True)
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise fail(where, param, "True or False", value)
    return bool(value)


def check_int_tuple(where: str, param: str, value: Any, *, length: int | None = None, minimum: int = 1,
                    allow_none: bool = False) -> tuple[int, ...] | None:
    """Return a sequence (or comma-separated string) of integers as a tuple, or raise :class:`SpecError`.

    Examples
    --------
    >>> check_int_tuple("NetSpec", "config", "1024,64,32")
    (1024, 64, 32)
    >>> check_int_tuple("NetSpec", "fo", [4, 16], length=2)
    (4, 16)
    """
    if value is None and allow_none:
        return None
    raw = value
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.replace(" ", "").split(",") if v != ""]
        except ValueError:
            raise fail(where, param, "comma-separated integers", raw) from None
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value,)
    if not isinstance(value, (Sequence, np.ndarray)):
        # a set, a dict or its keys, an iterator: no order to trust (a set of layer sizes would be reordered)
        raise fail(where, param, "an ordered sequence of integers (a list, tuple or comma-separated string)",
                   raw, "Sets and dicts have no reliable order; pass a list or tuple.")
    try:
        items = tuple(value)
    except TypeError:
        raise fail(where, param, "a sequence of integers", raw) from None
    if length is not None and len(items) != length:
        raise fail(where, param, f"a sequence of {length} integers", raw)
    if not items:
        raise fail(where, param, "a non-empty sequence of integers", raw)
    out = []
    for k, v in enumerate(items):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < minimum:
            bound = "positive integers" if minimum == 1 else f"integers >= {minimum}"
            raise fail(where, param, f"a sequence of {bound} (item {k} is {v!r})", raw)
        out.append(int(v))
    return tuple(out)


MAX_SIZE = 2 ** 31 - 1
"""Largest layer size: neuron indices are stored as int32."""


def check_size(where: str, param: str, value: Any) -> int:
    """A layer size: a positive int no larger than :data:`MAX_SIZE` (indices are int32), else SpecError.

    Examples
    --------
    >>> check_size("generate", "p", 1024)
    1024
    >>> try:
    ...     check_size("generate", "p", 2**33)
    ... except SpecError as err:
    ...     print(str(err)[:60])
    generate: p must be a positive integer <= 2147483647 (neuron
    """
    value = check_int(where, param, value, minimum=1)
    if value > MAX_SIZE:
        raise fail(where, param, f"a positive integer <= {MAX_SIZE} (neuron indices are int32)", value)
    return value


def normalize_seed(where: str, seed: Any) -> tuple[np.random.Generator, int | None]:
    """Turn ``seed`` into ``(Generator, recorded_seed)``.

    ``None`` draws fresh entropy and records it (so the run can be repeated); an int or ``SeedSequence`` is
    recorded as its entropy; a ``Generator`` is used as given and recorded as ``None`` (its state is the
    caller's).  Never touches numpy's global random state.

    Examples
    --------
    >>> rng, recorded = normalize_seed("generate", 7)
    >>> recorded
    7
    """
    if isinstance(seed, np.random.Generator):
        return seed, None
    if seed is None:
        ss = np.random.SeedSequence()
        return np.random.default_rng(ss), int(ss.entropy)
    if isinstance(seed, np.random.SeedSequence):
        ent = seed.entropy
        return np.random.default_rng(seed), int(ent) if isinstance(ent, numbers.Integral) else None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise fail(where, "seed", "None, a non-negative int, a numpy SeedSequence or a numpy Generator", seed)
    return np.random.default_rng(int(seed)), int(seed)
