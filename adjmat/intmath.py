"""Integer arithmetic for specs and hints: divisors of any int64 (Pollard's rho) and the nearest candidates."""
from __future__ import annotations

import math
from typing import Iterable

__all__ = ["divisors", "nearest", "near_divisors"]


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
