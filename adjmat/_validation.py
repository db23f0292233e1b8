"""Argument validation shared by adjmat, hwsim and predefsparse.

One message shape everywhere::

    "<where>: <param> must be <expected>; received <param>=<value>. <hint>"

The helpers return the normalised value so callers can write ``p = check_int("generate", "p", p, minimum=1)``.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "SpecError",
    "DivergenceError",
    "fail",
    "check_int",
    "check_float",
    "check_choice",
    "check_bool",
    "check_int_tuple",
    "check_size",
    "MAX_SIZE",
    "normalize_seed",
    "divisors",
    "nearest",
    "near_divisors",
    "memory_limit",
    "available_memory",
    "check_memory",
]


class SpecError(ValueError):
    """A parameter, or a combination of parameters, is invalid.

    The message names the function and parameter, what was expected, what was received and, where one exists,
    the nearest valid alternative.

    Examples
    --------
    >>> import adjmat
    >>> try:
    ...     adjmat.JunctionSpec(p=4, n=4, fo=3, z=3)
    ... except adjmat.SpecError as err:
    ...     print(type(err).__mro__[1].__name__)
    ValueError
    """


SpecError.__module__ = "adjmat"  # tracebacks read adjmat.SpecError, the public name


class DivergenceError(ArithmeticError):
    """Training diverged: a loss, weight or activation became non-finite (NaN or infinity).

    Raised by the Keras driver (``predefsparse.run_model``) and by the functional simulator (``hwsim.train``);
    the message says what diverged, where (epoch and step, or junction and input) and suggests a smaller
    learning rate.  Shared here so both packages raise the same type.

    Examples
    --------
    >>> issubclass(DivergenceError, ArithmeticError)
    True
    """


DivergenceError.__module__ = "adjmat"


def fail(where: str, param: str, expected: str, value: Any, hint: str | None = None) -> SpecError:
    """Build (not raise) a :class:`SpecError` in the house message shape.

    Examples
    --------
    >>> str(fail("generate", "p", "a positive integer", -3))
    'generate: p must be a positive integer; received p=-3.'
    """
    msg = f"{where}: {param} must be {expected}; received {param}={value!r}."
    if hint:
        msg += f" {hint}"
    return SpecError(msg)


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


def _is_prime(x: int) -> bool:
    """Deterministic Miller-Rabin for x < 3.3e24 (these bases suffice)."""
    if x < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    for b in bases:
        if x % b == 0:
            return x == b
    d, s = x - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for b in bases:
        y = pow(b, d, x)
        if y in (1, x - 1):
            continue
        for _ in range(s - 1):
            y = y * y % x
            if y == x - 1:
                break
        else:
            return False
    return True


def _factor(x: int, out: dict[int, int]) -> None:
    """Prime factors of x into ``out`` (prime -> exponent): trial division, then Pollard's rho (Brent)."""
    for q in (2, 3, 5):
        while x % q == 0:
            out[q] = out.get(q, 0) + 1
            x //= q
    q, step = 7, 4
    while q * q <= x and q < 10_000:
        while x % q == 0:
            out[q] = out.get(q, 0) + 1
            x //= q
        q, step = q + step, 6 - step
    stack = [x] if x > 1 else []
    while stack:
        m = stack.pop()
        if m < q * q or _is_prime(m):
            out[m] = out.get(m, 0) + 1
            continue
        d = _rho(m)
        stack += [d, m // d]


def _rho(m: int) -> int:
    """A non-trivial factor of the odd composite ``m`` (Pollard-Brent)."""
    import math
    c = 1
    while True:
        y, r, g, prod = 2, 1, 1, 1
        while g == 1:
            x = y
            for _ in range(r):
                y = (y * y + c) % m
            k = 0
            while k < r and g == 1:
                ys = y
                for _ in range(min(128, r - k)):
                    y = (y * y + c) % m
                    prod = prod * abs(x - y) % m
                g = math.gcd(prod, m)
                k += 128
            r *= 2
        if g == m:
            g = 1
            while g == 1:
                ys = (ys * ys + c) % m
                g = math.gcd(abs(x - ys), m)
        if g != m:
            return g
        c += 1


def divisors(x: int) -> list[int]:
    """All positive divisors of ``x`` in increasing order (fast for any int64: factors by Pollard's rho).

    Examples
    --------
    >>> divisors(12)
    [1, 2, 3, 4, 6, 12]
    >>> len(divisors(2**62))
    63
    """
    x = int(x)
    if x < 1:
        return []
    factors: dict[int, int] = {}
    _factor(x, factors)
    out = [1]
    for prime, exp in factors.items():
        out = [d * prime ** e for d in out for e in range(exp + 1)]
    return sorted(out)


def near_divisors(x: int, target: float, k: int = 2, budget: int = 100_000) -> list[int]:
    """Up to ``k`` divisors of ``x`` nearest to ``target``, found with bounded work (for error hints).

    Exact (from :func:`divisors`) for ``x < 2**64``; above that it looks outward from ``target`` for at most
    ``budget`` candidates (1 and ``x`` always count), so a hint never stalls on a huge ``x`` -- it may then miss
    a closer divisor beyond the search window.

    Examples
    --------
    >>> near_divisors(12, 5)
    [4, 6]
    >>> near_divisors(10**30 + 1, 7)   # answers at once (a full factoring could take minutes)
    [1, 61]
    """
    x = int(x)
    if x < 2 ** 64:
        return nearest(divisors(x), target, k)
    t = max(1, int(round(target)))
    found, inner = {1, x}, 0
    for step in range(budget):
        for d in {t - step, t + step}:
            if 1 < d < x and x % d == 0 and d not in found:
                found.add(d)
                inner += 1
        if inner >= k:
            break
    return nearest(found, target, k)


def nearest(candidates: Iterable[int], target: float, k: int = 2) -> list[int]:
    """The ``k`` candidates closest to ``target`` (ties: smaller first), in increasing order.

    Examples
    --------
    >>> nearest([1, 2, 4, 8, 16], 5)
    [2, 4]
    """
    cands = sorted(set(candidates))
    best = sorted(cands, key=lambda c: (abs(c - target), c))[:k]
    return sorted(best)


# ------------------------------------------------------------------------------------------------ memory
MEMORY_ENV = "PREDEFSPARSE_MAX_MEMORY"


def _parse_bytes(text: str) -> int:
    """``"8e9"``, ``"16G"``, ``"512M"``, ``"2GiB"`` -> bytes (G/M/K are powers of 1024)."""
    units = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": 2**20, "MB": 2**20, "MIB": 2**20,
             "G": 2**30, "GB": 2**30, "GIB": 2**30, "T": 2**40, "TB": 2**40, "TIB": 2**40}
    s = text.strip().upper()
    num = s.rstrip("KMGTIB")
    unit = s[len(num):]
    try:
        value = float(num)
    except ValueError:
        value = float("nan")
    if unit not in units or not np.isfinite(value) or value <= 0:
        raise SpecError(f"{MEMORY_ENV} must be a positive number of bytes such as 8e9, 16G or 512M; "
                        f"received {MEMORY_ENV}={text!r}.")
    return int(value * units[unit])


def available_memory() -> int:
    """Bytes this process may use: ``MemAvailable`` of ``/proc/meminfo`` (or the cgroup limit, if lower).

    Falls back to 8 GiB where neither can be read.

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        avail = None
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
            if text.isdigit() and int(text) < 2**62:
                avail = int(text) if avail is None else min(avail, int(text))
        except OSError:
            continue
    return avail if avail else 8 * 2**30


def memory_limit() -> int:
    """The most memory one request may plan to use, in bytes.

    ``PREDEFSPARSE_MAX_MEMORY`` (e.g. ``16G``, ``8e9``) when set, else :func:`available_memory`.

    Examples
    --------
    >>> import os
    >>> os.environ["PREDEFSPARSE_MAX_MEMORY"] = "1G"; memory_limit()
    1073741824
    >>> del os.environ["PREDEFSPARSE_MAX_MEMORY"]
    """
    import os
    text = os.environ.get(MEMORY_ENV)
    return _parse_bytes(text) if text else available_memory()


def _human(nbytes: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"


def check_memory(where: str, nbytes: float, what: str) -> None:
    """Refuse, before any work, a request whose estimated memory exceeds :func:`memory_limit`.

    ``what`` says what the estimate counts (e.g. ``"a pattern of W=10^12 edges at 8 bytes per edge"``).  The
    message states the estimate and the limit and how to raise the limit.

    Examples
    --------
    >>> check_memory("generate", 1e3, "a tiny pattern")
    >>> try:
    ...     check_memory("generate", 1e30, "a huge pattern")
    ... except SpecError as err:
    ...     print(str(err)[:48])
    generate: the request needs about 9.09e+17 TiB (
    """
    limit = memory_limit()
    if nbytes > limit:
        raise SpecError(f"{where}: the request needs about {_human(nbytes)} ({what}), more than the "
                        f"{_human(limit)} this machine can give it; ask for less, or raise the limit with the "
                        f"environment variable {MEMORY_ENV} (e.g. {MEMORY_ENV}=64G) if you know it fits.")
