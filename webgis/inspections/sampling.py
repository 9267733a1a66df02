"""The statistics of a spot check: sample sizes, the per-leader floor, allocation, the draw,
and the 一致率 with its interval.

Well-kept libraries do the statistics (statsmodels for the sample size and the Wilson
interval, scipy for the hypergeometric distribution, numpy for the seeded draw); the code
here only combines them.

* Sample size by precision: n0 = z² p(1-p) / e² (statsmodels `samplesize_confint_proportion`,
  normal approximation), then the finite-population correction n = n0 / (1 + (n0 - 1) / N),
  rounded up. Worked example: p = 95%, e = ±3 points, 95% confidence → n0 = 202.7 → 203;
  with N = 1,000 households → 169.
* Per-leader floor: the smallest n such that a sample of n households from the leader's N
  households contains at least one erroneous household with probability ≥ 95% when 10% of
  them are wrong. For a finite grid the count of wrong households drawn is hypergeometric
  (drawing without replacement, D = ceil(10% · N) wrong of N); without a population (N = ∞)
  it is binomial: 1 − 0.9ⁿ ≥ 0.95 → n = 29. We use the hypergeometric (the draw is without
  replacement from a known list), which gives 29 for large N and fewer for small ones
  (e.g. N = 300 → 28, N = 100 → 25, N = 20 → 16); a leader with fewer households than the floor is checked
  in full.
* Interval: Wilson score interval (statsmodels `proportion_confint(method="wilson")`) on the
  items; where the checked households are a large share of the unit's households the
  half-widths are multiplied by the finite-population correction sqrt((N − n) / (N − 1)).
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import hypergeom
from statsmodels.stats.proportion import proportion_confint, samplesize_confint_proportion

GOAL = 0.95  # 一致率 target (seed §二: ≥95%)
# Share of the sampling fraction from which the finite-population correction is applied.
FPC_FROM = 0.05


def fpc_size(n0: float, population: int | None) -> int:
    """Apply the finite-population correction to a sample size n0 and round up."""
    if not population:
        return math.ceil(n0 - 1e-9)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population) - 1e-9))


def size_for_precision(rate: float, half_width: float, confidence: float = 0.95,
                       population: int | None = None) -> dict:
    """Sample size estimating a rate near `rate` within ±`half_width` at `confidence`."""
    n0 = float(samplesize_confint_proportion(rate, half_width, alpha=1 - confidence, method="normal"))
    return {"n0": n0, "n": fpc_size(n0, population)}


def leader_floor(population: int | None, error_rate: float = 0.10, detect: float = 0.95) -> int:
    """Smallest n detecting (≥1 wrong household drawn) an `error_rate` with probability `detect`."""
    if population is None:
        return math.ceil(math.log(1 - detect) / math.log(1 - error_rate) - 1e-12)
    if population <= 0:
        return 0
    wrong = math.ceil(error_rate * population - 1e-9)
    for n in range(1, population + 1):
        if 1 - hypergeom.pmf(0, population, wrong, n) >= detect:
            return n
    return population


@dataclass
class Stratum:
    """One grid of the area with its households and its grid leader (None: no leader)."""

    grid_id: int
    leader_id: int | None
    households: list[int]


def allocate(strata: list[Stratum], total: int, floor_of=leader_floor) -> dict[int, int]:
    """Households to draw per grid: proportional to size (largest remainder), ≥1 per grid,
    and each leader's grids together ≥ the leader's floor (capped by their households)."""
    sizes = {s.grid_id: len(s.households) for s in strata}
    population = sum(sizes.values())
    counts = {g: 0 for g in sizes}
    if population == 0:
        return counts
    quotas = {g: total * n / population for g, n in sizes.items()}
    counts = {g: min(sizes[g], math.floor(q)) for g, q in quotas.items()}
    rest = total - sum(counts.values())
    for g in sorted(quotas, key=lambda g: (-(quotas[g] - math.floor(quotas[g])), g)):
        if rest <= 0:
            break
        if counts[g] < sizes[g]:
            counts[g] += 1
            rest -= 1
    for g in counts:
        if sizes[g] and counts[g] == 0:
            counts[g] = 1
    leaders: dict[int, list[int]] = {}
    for s in strata:
        if s.leader_id is not None:
            leaders.setdefault(s.leader_id, []).append(s.grid_id)
    for grids in leaders.values():
        need = min(sum(sizes[g] for g in grids), floor_of(sum(sizes[g] for g in grids)))
        while sum(counts[g] for g in grids) < need:
            # Add to the grid whose households are least covered (largest N / (n + 1)).
            g = max((g for g in grids if counts[g] < sizes[g]), key=lambda g: (sizes[g] / (counts[g] + 1), -g))
            counts[g] += 1
    return counts


def draw(strata: list[Stratum], counts: dict[int, int], seed: int) -> dict[int, list[int]]:
    """Draw `counts[grid]` households of each grid without replacement (same seed → same sample)."""
    rng = np.random.default_rng(seed)
    out = {}
    for s in sorted(strata, key=lambda s: s.grid_id):
        ids = sorted(s.households)
        k = min(counts.get(s.grid_id, 0), len(ids))
        out[s.grid_id] = sorted(int(x) for x in rng.choice(ids, size=k, replace=False)) if k else []
    return out


def pick(candidates: list[int], k: int, seed: int, salt: int) -> list[int]:
    """Draw up to `k` of `candidates` with a stream derived from the plan's seed."""
    ids = sorted(set(candidates))
    if not ids or k <= 0:
        return []
    rng = np.random.default_rng([seed, salt])
    return sorted(int(x) for x in rng.choice(ids, size=min(k, len(ids)), replace=False))


def rate(matched: int, checked: int, population: int | None = None, sampled: int | None = None,
         confidence: float = 0.95) -> dict:
    """一致率 with its Wilson interval, finite-population corrected when the sample is a large share."""
    if checked <= 0:
        return {"matched": matched, "checked": checked, "rate": None, "low": None, "high": None, "fpc": None}
    p = matched / checked
    low, high = proportion_confint(matched, checked, alpha=1 - confidence, method="wilson")
    fpc = None
    if population and sampled and population > 1 and sampled / population >= FPC_FROM:
        fpc = math.sqrt(max(0.0, (population - sampled) / (population - 1)))
        low, high = p - (p - low) * fpc, p + (high - p) * fpc
    return {"matched": matched, "checked": checked, "rate": p, "low": float(low), "high": float(high),
            "fpc": fpc, "below_goal": p < GOAL, "surely_below": float(high) < GOAL}
