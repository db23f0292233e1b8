"""Exact counts of clash-free patterns and the size of the USN model space (docs/patterns.md §4 "Counting", §5).

:func:`count_clash_free` returns the exact number (a Python int) of distinct adjacency matrices the
``"clash_free"`` generator can produce; :func:`usn_model_space` returns log10 sizes of the sparse-network
model spaces of the uniform-sparse-network paper, computed with log-beta functions, never big integers.
"""
from __future__ import annotations

import math

from scipy.special import betaln

from .errors import SpecError
from .validation import check_bool, check_float, check_int, fail
from .intmath import nearest
from .memory import check_memory
from .kinds import check_type
from .specs import JunctionSpec, clash_free_fos

__all__ = ["count_clash_free", "usn_model_space"]

_LN10 = math.log(10.0)


def count_clash_free(p: int, n: int, fo: int, z: int, type: int = 2, dither: bool = False) -> int:
    """Number of distinct adjacency matrices ``generate("clash_free", p, n, fo=fo, z=z, type=type,
    dither=dither)`` can produce.

    Parameters
    ----------
    p, n : int
        Left and right layer sizes.
    fo : int
        Out-degree; ``fi = p*fo/n`` must be a whole number that divides ``p`` (as for the generator).
    z : int
        Degree of parallelism; must divide ``p``.
    type : {1, 2, 3}
        Address map of docs/patterns.md §4 (1: a random permutation per lane and sweep; 2: a random start address
        per lane and sweep, then +1 counters; 3: one start vector and one bank dither for all sweeps).
    dither : bool
        Whether a random bank permutation ("memory dither") is drawn per sweep (type 3: once).

    Returns
    -------
    int
        The exact count (a Python int; it can have millions of digits for large junctions -- the cost of
        the big-integer arithmetic grows with the size of the answer).

    Raises
    ------
    SpecError
        On bad types or values, when ``fi`` is not a whole number, when ``z`` does not divide ``p`` or
        ``fi`` does not divide ``p`` -- the same conditions under which the generator refuses.

    Notes
    -----
    Let ``D = p/z`` (bank depth), ``q, r = divmod(fi, z)`` and ``g = gcd(z, fi)``.  Because ``fi | p``,
    right neurons of different sweeps are different, so for types 1 and 2 the count is the count of one
    sweep raised to the power ``fo``; type 3 repeats one sweep, so its count is that of one type-2 sweep.

    In one sweep, lane ``m`` meets right neuron ``h_m(c) = (c*z + m) // fi`` at clock ``c``; the bank it reads
    shows, for every address, which right neuron uses it.  A bank's row of the matrix therefore shows the
    sequence ``h_m`` of its lane (which is non-decreasing, so it is fixed by its value counts) and the
    clock-to-address map *up to reordering inside each right neuron*.  Hence, per sweep:

    - bank dither: two lanes look alike iff ``h_m == h_m'``, which holds iff ``m // g == m' // g`` (every
      multiple of ``g`` occurs as ``c*z mod fi`` because ``lcm(z, fi) | p``).  The dither is visible only
      as an assignment of these ``z/g`` classes of ``g`` lanes to banks:
      ``k = z! / (g!)^(z/g)`` with dither, ``k = 1`` without.  This is the spec's ``z!/(fi!)^(z/fi)`` when
      ``fi | z`` and ``1`` when ``z | fi``.
    - type 1: a lane's address permutation is seen only through which addresses fall into each right
      neuron: ``D!/prod(size!)`` per lane, the sizes being how many clocks of the lane each right neuron
      spans (``q`` or ``q + 1``; each right neuron spans ``q + 1`` clocks in exactly ``r`` lanes).  Per sweep
      ``k * (D!)^z / ((q+1)!^r * (q!)^(z-r))^(p/fi)``; this is the spec's ``k * (D!)^z`` when ``fi <= z``
      and ``(D!/(q!)^(D/q))^z`` when ``z | fi``.
    - types 2 and 3: rotating a non-constant non-decreasing sequence gives ``D`` different sequences, so
      each lane contributes ``D`` start addresses: ``k * D^z`` per sweep -- except when ``fi == p`` (one
      fully connected right neuron per sweep, ``fo == n``), where every start vector gives the same matrix
      and the count is 1.

    Total: type 1 ``sweep1^fo``, type 2 ``sweep2^fo``, type 3 ``sweep2``.  These formulas hold for every
    ``fi`` dividing ``p`` and every ``z`` dividing ``p`` (``fi | z``, ``z | fi`` and neither); the tests
    check them against exhaustive enumeration of the construction in all three regimes.

    Examples
    --------
    >>> [count_clash_free(9, 6, 2, 3, type=t) for t in (1, 2, 3)]
    [46656, 729, 27]
    >>> [count_clash_free(12, 12, 2, 4, type=t, dither=True) for t in (1, 2, 3)]
    [60466176, 236196, 486]
    >>> count_clash_free(8, 2, 2, 2, type=2)     # fo == n: fully connected, one matrix
    1
    """
    where = "count_clash_free"
    for name, value in (("p", p), ("n", n), ("fo", fo), ("z", z)):
        check_int(where, name, value, minimum=1)
    type = check_type(where, type)
    dither = check_bool(where, "dither", dither)
    try:
        spec = JunctionSpec(p, n, fo=fo, z=z)
    except SpecError as err:
        raise err.within(where) from None
    p, n, fo, z, fi = spec.p, spec.n, spec.fo, spec.z, spec.fi
    if p % fi:
        good = clash_free_fos(p, n)
        raise SpecError(f"{where}: fi = p*fo/n = {p}*{fo}/{n} = {fi} must divide p ({p}) so that no right "
                        f"neuron straddles a sweep (generate refuses such patterns too); try "
                        + " or ".join(f"fo={f} (fi={p * f // n})" for f in nearest(good, fo)) + ".",
                        where=where, param="fo")
    D = p // z
    g = math.gcd(z, fi)
    bits = _count_bits(p, fi, fo, z, D, g, type, dither)
    check_memory(where, 4 * bits / 8, f"an exact count of about {bits * math.log10(2):.3g} decimal digits and its "
                 f"intermediate products")
    k = math.factorial(z) // math.factorial(g) ** (z // g) if dither else 1
    if type == 1:
        q, r = divmod(fi, z)
        blocks = (math.factorial(q + 1) ** r * math.factorial(q) ** (z - r)) ** (p // fi)
        sweep = k * math.factorial(D) ** z // blocks
    else:
        sweep = k * D ** z if fi < p else 1
    return sweep if type == 3 else sweep ** fo


def _count_bits(p: int, fi: int, fo: int, z: int, D: int, g: int, type: int, dither: bool) -> float:
    """log2 of the largest intermediate of :func:`count_clash_free` (the answer before its divisions), from
    log-gamma: the work is refused before it starts when this would not fit in memory."""
    ln_fact = lambda x: math.lgamma(x + 1)          # noqa: E731
    ln_k = ln_fact(z) if dither else 0.0
    sweep = ln_k + (z * ln_fact(D) if type == 1 else z * math.log(D))
    return (sweep if type == 3 else sweep * fo) / math.log(2) + 64


def _log_comb(a: int, b: int) -> float:
    """Natural log of the binomial coefficient C(a, b), 0 <= b <= a, accurate for huge ``a``."""
    if b == 0 or b == a:
        return 0.0
    return -math.log(a + 1.0) - float(betaln(a - b + 1.0, b + 1.0))


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def usn_model_space(p: int, n: int, density: float | None = None) -> dict:
    """log10 sizes of the sparse-network model spaces of a junction (docs/patterns.md §5, Luo 2020).

    Parameters
    ----------
    p, n : int
        Left (input) and right (output) layer sizes.
    density : float
        Connection density in (0, 1].

    Returns
    -------
    dict
        ``"dout"`` (edges per input) ``= round(density*n)``, ``"din"`` (edges per output)
        ``= round(density*p)``, both rounded half up (nothing is rounded when the products are whole);
        ``"W" = p*dout``, the edge count of formula (1); and the log10 values

        - ``"log10_N"``: all sparse networks with W edges, ``C(p*n, W)``                (1)
        - ``"log10_N1"``: uniform on the input side, ``C(n, dout)^p``                   (2)
        - ``"log10_N2"``: uniform on the output side, ``C(p, din)^n``                   (3)
        - ``"log10_p1"``, ``"log10_p2"``: ``N1/N``, ``N2/N``; ``"log10_p"``: ``p1*p2``     (4)-(6)
        - ``"log10_Nu"``: ``p*N = N1*N2/N``                                              (7)

        and ``"V" = 1 - density``, the expected structural difference between two random patterns (8).

    Raises
    ------
    SpecError
        For non-positive sizes, density outside (0, 1], or a density that rounds to zero edges per input or
        per output.

    Notes
    -----
    ``log C(a, b) = -log(a+1) - log B(a-b+1, b+1)`` with :func:`scipy.special.betaln`, which stays accurate
    when ``a`` is huge and ``b`` small (a difference of three ``lgamma`` values would lose most digits
    there).  When ``p*dout != n*din`` (rounded degrees), no network is uniform on both sides with the
    same edge count; the formulas are then evaluated as written with ``W = p*dout``.

    Examples
    --------
    >>> ms = usn_model_space(784, 100, 0.1)
    >>> ms["dout"], ms["din"], ms["W"]
    (10, 78, 7840)
    >>> round(usn_model_space(4, 4, 0.5)["log10_N"], 6)        # C(16, 8) = 12870
    4.109579
    """
    where = "usn_model_space"
    p = check_int(where, "p", p, minimum=1)
    n = check_int(where, "n", n, minimum=1)
    if density is None:
        raise fail(where, "density", "a finite number in (0, 1]", density)
    density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
    dout = _round_half_up(density * n)
    din = _round_half_up(density * p)
    if dout < 1 or din < 1:
        need = max(0.5 / n, 0.5 / p)
        raise SpecError(f"{where}: density ({density:g}) gives dout = round(density*n) = {dout} and "
                        f"din = round(density*p) = {din} edges; both must be at least 1: try "
                        f"density={need:.3g} or more.", where=where, param="density")
    W = p * dout
    ln_N = _log_comb(p * n, W)
    ln_N1 = p * _log_comb(n, dout)
    ln_N2 = n * _log_comb(p, din)
    log10 = {"N": ln_N / _LN10, "N1": ln_N1 / _LN10, "N2": ln_N2 / _LN10}
    p1 = log10["N1"] - log10["N"]
    p2 = log10["N2"] - log10["N"]
    return {
        "dout": dout, "din": din, "W": W,
        "log10_N": log10["N"], "log10_N1": log10["N1"], "log10_N2": log10["N2"],
        "log10_p1": p1, "log10_p2": p2, "log10_p": p1 + p2,
        "log10_Nu": log10["N1"] + log10["N2"] - log10["N"],
        "V": 1.0 - density,
    }
