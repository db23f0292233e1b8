"""Junction and network specifications: sizes, degrees, density and parallelism (docs/patterns.md §1, §4, §6).

A junction joins a left layer of ``p`` neurons to a right layer of ``n`` neurons.  Every left neuron has
out-degree ``fo``, every right neuron in-degree ``fi``; ``W = p*fo = n*fi`` edges; density ``fo/n``.  With a
degree of parallelism ``z`` (edges per clock) the left layer is spread over ``z`` banks of depth ``D = p/z`` and
one junction cycle takes ``C = W/z`` clocks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from .errors import SpecError
from .validation import check_float, check_int, check_int_tuple, check_size, fail
from .intmath import divisors, near_divisors, nearest

__all__ = ["JunctionSpec", "NetSpec"]


def _valid_fos(p: int, n: int, target: float) -> list[int]:
    """The out-degrees in 1..n nearest ``target`` for which fi = p*fo/n is a whole number (the multiples of
    n / gcd(p, n)); a few candidates around ``target``, never a list of all n."""
    step = n // math.gcd(p, n)
    k = max(1, int(target // step))
    return [m * step for m in range(k - 1, k + 3) if m >= 1 and m * step <= n] or [n]


def clash_free_fos(p: int, n: int) -> list[int]:
    """Out-degrees for which fi = p*fo/n is whole and divides p (what the clash-free generator needs); from the
    divisors of p, so it is fast for any int32 p.

    Examples
    --------
    >>> clash_free_fos(4, 4)
    [1, 2, 4]
    """
    return [d * n // p for d in divisors(p) if (d * n) % p == 0 and d * n // p <= n]


def _fo_hint(p: int, n: int, fo: float) -> str:
    fos = _valid_fos(p, n, fo)
    near = nearest(fos, fo)
    return "try " + " or ".join(f"fo={f} (fi={p * f // n})" for f in near) + "."


@dataclass(frozen=True)
class JunctionSpec:
    """One junction: ``p`` left neurons, ``n`` right neurons, fixed degrees, optional parallelism ``z``.

    Give exactly one of ``fo``, ``fi`` or ``density`` (more than one is accepted when they agree).

    Parameters
    ----------
    p, n : int
        Left and right layer sizes.
    fo, fi : int, optional
        Out-degree of every left neuron, in-degree of every right neuron.
    density : float, optional
        ``fo / n``; must give a whole ``fo``.
    z : int, optional
        Degree of parallelism: edges per clock, memory banks of the left layer.  Must divide ``p``.

    Attributes
    ----------
    W : int
        Edge (weight) count ``p*fo``.
    D : int or None
        Bank depth ``p / z``.
    C : int or None
        Junction cycle in clocks, ``W / z``.

    Raises
    ------
    SpecError
        Naming the parameter, the value, the rule and the nearest valid values.

    Examples
    --------
    >>> js = JunctionSpec(1024, 64, fo=4, z=128)
    >>> js.fi, js.W, js.density, js.C
    (64, 4096, 0.0625, 32)
    """

    p: int
    n: int
    fo: int | None = None
    fi: int | None = None
    density: float | None = None
    z: int | None = None

    def __post_init__(self):
        where = "JunctionSpec"
        p = check_size(where, "p", self.p)
        n = check_size(where, "n", self.n)
        fo = check_int(where, "fo", self.fo, minimum=1, maximum=n, allow_none=True)
        fi = check_int(where, "fi", self.fi, minimum=1, maximum=p, allow_none=True)
        density = check_float(where, "density", self.density, low=0.0, high=1.0, low_open=True,
                              allow_none=True)
        z = check_int(where, "z", self.z, minimum=1, allow_none=True)
        if fo is None and fi is None and density is None:
            raise SpecError(f"{where}: one of fo, fi or density is required for p={p}, n={n}; "
                            f"for a fully connected junction pass fo={n}.", where=where)
        derived = []
        if fo is not None:
            derived.append(("fo", fo, fo))
        if fi is not None:
            if (fi * n) % p:
                valid = [p * f // n for f in _valid_fos(p, n, fi * n / p)]
                raise SpecError(f"{where}: fi ({fi}) must make fo = fi*n/p = {fi}*{n}/{p} a whole number; "
                                f"try fi={' or fi='.join(map(str, nearest(valid, fi)))}.", where=where, param="fi")
            derived.append(("fi", fi, fi * n // p))
        if density is not None:
            fo_d = density * n
            if abs(fo_d - round(fo_d)) > 1e-9 * max(1.0, fo_d) or round(fo_d) < 1:
                near = nearest(_valid_fos(p, n, fo_d), fo_d)
                raise SpecError(f"{where}: density ({density:g}) times n ({n}) must be a whole out-degree fo; "
                                f"got {fo_d:g}; try density=" + " or density=".join(f"{f / n:g}" for f in near)
                                + ".", where=where, param="density")
            derived.append(("density", density, int(round(fo_d))))
        fos = {d[2] for d in derived}
        if len(fos) > 1:
            given = ", ".join(f"{name}={val!r} (fo={f})" for name, val, f in derived)
            raise SpecError(f"{where}: fo, fi and density disagree: {given}; give just one of them.", where=where)
        fo = derived[0][2]
        if fo > n:
            raise fail(where, "fo", f"at most n ({n})", fo)
        if (p * fo) % n:
            raise SpecError(f"{where}: fi = p*fo/n = {p}*{fo}/{n} = {p * fo / n:.3g} must be a whole number; "
                            + _fo_hint(p, n, fo), where=where, param="fo")
        if z is not None and p % z:
            near = near_divisors(p, z)
            raise fail(where, "z", f"a divisor of p ({p}), so that every bank has depth p/z", z,
                       f"Try z={' or z='.join(map(str, near))}.")
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "fo", fo)
        object.__setattr__(self, "fi", p * fo // n)
        object.__setattr__(self, "density", fo / n)
        object.__setattr__(self, "z", z)

    @property
    def W(self) -> int:
        """Edge count ``p * fo``."""
        return self.p * self.fo

    @property
    def D(self) -> int | None:
        """Bank depth ``p / z`` (None without z)."""
        return None if self.z is None else self.p // self.z

    @property
    def C(self) -> int | None:
        """Junction cycle ``W / z`` in clocks (None without z)."""
        return None if self.z is None else self.W // self.z

    def hardware_violations(self) -> list[str]:
        """Constraints of the published RTL that this junction breaks (docs/patterns.md §4), as sentences.

        Checks ``fi | z`` (whole right neurons finish per clock), ``fo | z`` (z/fo activations load per clock)
        and ``z | p``.  An empty list means hardware-faithful.

        Examples
        --------
        >>> JunctionSpec(64, 32, fo=16, z=32).hardware_violations()
        []
        >>> JunctionSpec(64, 32, fo=16, z=8).hardware_violations()
        ['fi (32) must divide z (8)', 'fo (16) must divide z (8)']
        """
        if self.z is None:
            return ["z is not set"]
        out = []
        if self.z % self.fi:
            out.append(f"fi ({self.fi}) must divide z ({self.z})")
        if self.z % self.fo:
            out.append(f"fo ({self.fo}) must divide z ({self.z})")
        if self.p % self.z:
            out.append(f"z ({self.z}) must divide p ({self.p})")
        return out


@dataclass(frozen=True)
class NetSpec:
    """A network of junctions: layer sizes ``config = (N_0, ..., N_L)``, out-degrees ``fo`` (one per junction),
    optional parallelism ``z`` (one per junction).

    Junctions need not have equal cycles here; :meth:`balanced` builds one whose cycles are equal, and
    :attr:`cycle` says whether they are.

    Examples
    --------
    >>> net = NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
    >>> net.fi, net.W, net.cycles, net.cycle
    ((64, 32), (4096, 1024), (32, 32), 32)
    >>> round(net.overall_density, 4)
    0.0758
    """

    config: tuple[int, ...]
    fo: tuple[int, ...]
    z: tuple[int, ...] | None = None
    junctions: tuple[JunctionSpec, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        where = "NetSpec"
        config = check_int_tuple(where, "config", self.config)
        if len(config) < 2:
            raise fail(where, "config", "at least two layer sizes (N_0, N_1, ...)", self.config)
        L = len(config) - 1
        fo = check_int_tuple(where, "fo", self.fo, length=L)
        z = check_int_tuple(where, "z", self.z, length=L, allow_none=True)
        juncs = []
        for i in range(L):
            try:
                juncs.append(JunctionSpec(config[i], config[i + 1], fo=fo[i], z=None if z is None else z[i]))
            except SpecError as err:
                raise err.within(where, f"junction {i + 1} ({config[i]} -> {config[i + 1]})") from None
        object.__setattr__(self, "config", config)
        object.__setattr__(self, "fo", fo)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "junctions", tuple(juncs))

    @property
    def L(self) -> int:
        """Number of junctions."""
        return len(self.config) - 1

    @property
    def fi(self) -> tuple[int, ...]:
        """In-degrees, one per junction."""
        return tuple(j.fi for j in self.junctions)

    @property
    def W(self) -> tuple[int, ...]:
        """Edge counts, one per junction."""
        return tuple(j.W for j in self.junctions)

    @property
    def density(self) -> tuple[float, ...]:
        """Junction densities ``fo_i / N_i``."""
        return tuple(j.density for j in self.junctions)

    @property
    def overall_density(self) -> float:
        """Network density ``sum(W_i) / sum(N_{i-1} N_i)``."""
        return sum(self.W) / sum(a * b for a, b in zip(self.config[:-1], self.config[1:]))

    @property
    def weights(self) -> int:
        """Total number of weights (edges), biases not included."""
        return sum(self.W)

    @property
    def parameters(self) -> int:
        """Weights plus one bias per non-input neuron."""
        return self.weights + sum(self.config[1:])

    @property
    def cycles(self) -> tuple[int, ...] | None:
        """Junction cycles ``C_i = W_i / z_i`` (None without z)."""
        return None if self.z is None else tuple(j.C for j in self.junctions)

    @property
    def cycle(self) -> int | None:
        """The common junction cycle C when every C_i is equal, else None."""
        cyc = self.cycles
        return cyc[0] if cyc is not None and len(set(cyc)) == 1 else None

    def hardware_violations(self) -> list[str]:
        """Every hardware-faithfulness rule broken (fi|z, fo|z, z|p per junction, equal cycles).

        Examples
        --------
        >>> NetSpec((1024, 64, 32), (4, 16), (128, 32)).hardware_violations()
        []
        """
        if self.z is None:
            return ["z is not set"]
        out = [f"junction {i + 1}: {v}" for i, j in enumerate(self.junctions) for v in j.hardware_violations()]
        if self.cycle is None:
            out.append(f"junction cycles C = W/z must be equal, got {self.cycles}")
        return out

    @staticmethod
    def valid_cycles(config: Sequence[int], fo: Sequence[int], hardware: bool = False) -> list[int]:
        """Every common junction cycle C giving whole, valid z_i in all junctions.

        Examples
        --------
        >>> NetSpec.valid_cycles((1024, 64, 32), (4, 16), hardware=True)
        [16, 32]
        """
        base = NetSpec(config, fo)
        g = 0
        for w in base.W:
            g = math.gcd(g, w)
        out = []
        for c in divisors(g):
            zs = tuple(w // c for w in base.W)
            try:
                spec = NetSpec(base.config, base.fo, zs)
            except SpecError:
                continue
            if hardware and spec.hardware_violations():
                continue
            out.append(c)
        return out

    @classmethod
    def balanced(cls, config: Sequence[int], fo: Sequence[int], z1: int | None = None,
                 cycle: int | None = None, hardware: bool = False) -> "NetSpec":
        """A NetSpec whose junction cycles are all equal (docs/patterns.md §6).

        Give ``z1`` (parallelism of junction 1; then ``C = W_1 / z1``) or ``cycle`` (C itself); each
        ``z_i = W_i / C``.  ``hardware=True`` also enforces ``fi | z``, ``fo | z`` and ``z | p``.

        Raises
        ------
        SpecError
            When no valid design exists for the request; the message lists the valid cycles.

        Examples
        --------
        >>> NetSpec.balanced((1024, 64, 32), (4, 16), z1=128, hardware=True).z
        (128, 32)
        >>> NetSpec.balanced((64, 16, 4), (2, 2), cycle=4).z
        (32, 8)
        """
        where = "NetSpec.balanced"
        base = cls(config, fo)
        z1 = check_int(where, "z1", z1, minimum=1, allow_none=True)
        cycle = check_int(where, "cycle", cycle, minimum=1, allow_none=True)
        valid = cls.valid_cycles(base.config, base.fo, hardware=hardware)
        options = "valid cycles: " + ", ".join(f"C={c} (z={tuple(w // c for w in base.W)})" for c in valid)
        if (z1 is None) == (cycle is None):
            raise SpecError(f"{where}: give exactly one of z1 or cycle; received z1={z1!r}, cycle={cycle!r}. "
                            + options + ".", where=where)
        if z1 is not None:
            if base.W[0] % z1:
                raise SpecError(f"{where}: z1 ({z1}) must divide W_1 = {base.W[0]}; " + options + ".",
                                where=where, param="z1")
            cycle = base.W[0] // z1
            param, value = "z1", z1
        else:
            param, value = "cycle", cycle
        if cycle not in valid:
            near = nearest(valid, cycle) if valid else []
            zs = [f"{w}/{cycle}" for w in base.W]
            raise SpecError(f"{where}: {param}={value} gives C={cycle} and z = ({', '.join(zs)}), which is not "
                            f"a valid{' hardware-faithful' if hardware else ''} design; nearest valid: "
                            + (", ".join(f"C={c} (z={tuple(w // c for w in base.W)})" for c in near) or "none")
                            + ".", where=where, param=param)
        return cls(base.config, base.fo, tuple(w // cycle for w in base.W))
