"""Hypothesis strategies shared by the adjmat tests."""
from hypothesis import assume, strategies as st


@st.composite
def clash_free_specs(draw, max_z: int = 8, max_depth: int = 6, max_fo: int = 6):
    """(p, n, fo, z, fi) that the clash_free generator accepts: z | p, fi | p, n = p*fo/fi whole, fo <= n."""
    z = draw(st.integers(1, max_z))
    p = z * draw(st.integers(1, max_depth))
    fi = draw(st.sampled_from([d for d in range(1, p + 1) if p % d == 0]))
    fo = draw(st.integers(1, max_fo))
    assume((p * fo) % fi == 0 and fo <= p * fo // fi)
    return p, p * fo // fi, fo, z, fi


@st.composite
def usn_sizes(draw, max_side: int = 300):
    """(p, n, density) for usn: any sizes (either side the larger, ratios up to max_side), W = round(density*p*n)
    at least 1; densities from one edge to fully connected."""
    p = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    W = draw(st.integers(1, p * n))
    return p, n, W / (p * n)
