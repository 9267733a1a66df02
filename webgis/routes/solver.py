"""The solvers: fast-tsp for one day's order, pyvroom (VROOM) for the split into days.

Index 0 of every matrix is the start. fast-tsp solves closed symmetric tours; an open walk
(no return to the start) is solved as a closed tour through a dummy node joined to the start
at cost 0 and to every other node at one large constant (the tour then runs start → … → last
stop → dummy → start, and the constant is the same for every tour). VROOM gets each day as one
vehicle (the grid leader on that day) with a capacity in households or a working time window,
and returns the stops that fit no day as unassigned. Its local search starts from the better of
its own first solution and the fast-tsp tour cut into days by dynamic programming (route-first,
cluster-second); fast-tsp then polishes each day (`split_days`, docs/routes.md).
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

import fast_tsp
import numpy as np
import vroom

log = logging.getLogger(__name__)

TSP_SECONDS = 0.1  # fast-tsp's time budget for one day (matched long runs on 50-300 stops)
VRP_SECONDS = 0.7  # VROOM's time limit for the split into days (its own first solution + its local search)
VRP_FIRST_SHARE = 0.6  # share of VRP_SECONDS for VROOM's own first solution
VRP_LEVEL = 0  # VROOM's exploration level (0-5): 0 kept to its limit and split best in 0.5 s (bench)
CUT_STARTS = 32  # starting points of the giant tour tried by the day-cutting DP
POLISH_SECONDS = 0.05  # fast-tsp's budget for each day's order after the split
SCALE = 10  # matrices are integers: decimetres


FAST_TSP_MAX = 32_000  # fast-tsp takes distances up to 65,535; the open walk's constant needs headroom


def _int_matrix(distance: np.ndarray) -> np.ndarray:
    """Integer matrix for fast-tsp: decimetres, or coarser when the walk is long."""
    top = float(distance.max()) if distance.size else 0.0
    factor = min(SCALE, FAST_TSP_MAX / top) if top > 0 else SCALE
    return np.rint(distance * factor).astype(np.int64)


def tour_length(distance: np.ndarray, order: list[int], closed: bool) -> float:
    """Return the length of visiting `order` (indices, starting with 0) over `distance`."""
    legs = sum(distance[a, b] for a, b in zip(order, order[1:]))
    return float(legs + (distance[order[-1], order[0]] if closed and len(order) > 1 else 0.0))


def _open_matrix(d: np.ndarray) -> np.ndarray:
    n = len(d)
    big = int(d.max()) + 1
    out = np.full((n + 1, n + 1), big, dtype=np.int64)
    out[:n, :n] = d
    out[n, n] = 0
    out[n, 0] = out[0, n] = 0
    return out


def _rotate(tour: list[int], n: int) -> list[int]:
    """Rotate a closed tour to start at 0; drop the dummy node `n` of an open walk."""
    k = tour.index(0)
    t = tour[k:] + tour[:k]
    if n in t:
        # start ... last, dummy: the walk is the tour read so that the dummy comes last.
        if t[1] == n:
            t = [0] + t[2:][::-1]
        else:
            t = [x for x in t if x != n]
    return t


def one_day(distance: np.ndarray, closed: bool, seconds: float = TSP_SECONDS) -> list[int]:
    """Return the visiting order (starting with 0) of every node of `distance`."""
    n = len(distance)
    if n <= 2:
        return list(range(n))
    d = _int_matrix(distance)
    d = np.maximum(d, d.T)  # walking is symmetric; round-off must not break fast-tsp's rule
    m = d if closed else _open_matrix(d)
    tour = fast_tsp.find_tour(m.tolist(), duration_seconds=seconds)
    return _rotate(list(tour), n)


def nearest_neighbour(distance: np.ndarray, closed: bool) -> list[int]:
    """The nearest-neighbour order (benchmark baseline only)."""
    n = len(distance)
    if n <= 2:
        return list(range(n))
    d = _int_matrix(distance)
    d = np.maximum(d, d.T)
    m = d if closed else _open_matrix(d)
    return _rotate(list(fast_tsp.greedy_nearest_neighbor(m.tolist())), n)


@dataclass
class DaySplit:
    """Stops (matrix indices, without the start) per day in walking order, and what fits no day."""

    days: list[list[int]]
    unassigned: list[int]


@dataclass
class _Limits:
    """What a day may hold: households, or working seconds (walking + time on the doorstep)."""

    households: np.ndarray  # per node
    per_day_households: int | None
    service: np.ndarray  # seconds on the doorstep per node
    per_day_seconds: int | None
    speed_m_per_s: float


def _vroom_split(distance: np.ndarray, days: int, closed: bool, lim: _Limits, seconds: float, level: int,
                 initial: list[list[int]] | None = None) -> list[list[int]]:
    """VROOM's split of nodes 1..n-1 into `days` vehicles; `initial` routes seed its local search."""
    n = len(distance)
    finite = np.where(np.isfinite(distance), distance, 1e7)
    problem = vroom.Input()
    # The whole matrix both ways: durations drive VROOM's cost and time windows, distances are reported.
    problem.set_durations_matrix(profile="car", matrix_input=np.rint(finite / lim.speed_m_per_s).astype(np.int64).tolist())
    problem.set_distances_matrix(profile="car", matrix_input=np.rint(finite).astype(np.int64).tolist())
    for k in range(days):
        kw = {"start": 0}
        if closed:
            kw["end"] = 0
        if lim.per_day_households is not None:
            kw["capacity"] = [int(lim.per_day_households)]
        if lim.per_day_seconds is not None:
            kw["time_window"] = vroom.TimeWindow(0, int(lim.per_day_seconds))
        if initial is not None:
            kw["steps"] = ([vroom.VehicleStepStart()] + [vroom.VehicleStepSingle(int(i)) for i in initial[k]]
                           + ([vroom.VehicleStepEnd()] if closed else []))
        problem.add_vehicle(vroom.Vehicle(k + 1, **kw))
    for i in range(1, n):
        kw = {}
        if lim.per_day_households is not None:
            kw["delivery"] = vroom.Amount([int(lim.households[i])])
        if lim.service[i]:
            kw["default_service"] = int(lim.service[i])
        problem.add_job(vroom.Job(i, location=i, **kw))
    sol = problem.solve(exploration_level=level, nb_threads=1, timeout=timedelta(seconds=seconds))
    routes = sol.routes
    out: list[list[int]] = [[] for _ in range(days)]
    for vid, group in routes[routes["type"] == "job"].groupby("vehicle_id", sort=True):
        out[int(vid) - 1] = [int(x) for x in group["id"].tolist()]
    return out


def _cut_tour(distance: np.ndarray, tour: list[int], days: int, closed: bool, lim: _Limits) -> list[list[int]] | None:
    """Cut a giant tour (0 first) into at most `days` consecutive walks, optimally (Prins' split).

    Route-first, cluster-second: over the tour's order, dynamic programming picks the cuts that
    minimise the total walk within each day's limit (an exact shortest path over the cut
    points). None when the whole tour fits no `days` walks.
    """
    t = np.asarray(tour[1:], dtype=np.int64)
    n = len(t)
    if n == 0:
        return [[] for _ in range(days)]
    legs = np.concatenate([[0.0], distance[t[:-1], t[1:]]])
    along = np.cumsum(legs)  # walking from t[0] to t[j] along the tour
    load = np.concatenate([[0], np.cumsum(lim.households[t])])
    service = np.concatenate([[0], np.cumsum(lim.service[t])])
    out_leg, back_leg = distance[0, t], (distance[t, 0] if closed else np.zeros(n))
    best = np.full((days + 1, n + 1), np.inf)
    prev = np.full((days + 1, n + 1), -1, dtype=np.int64)
    best[0, 0] = 0.0
    for k in range(1, days + 1):
        for i in range(n):
            if not np.isfinite(best[k - 1, i]):
                continue
            j = np.arange(i, n)
            walk = out_leg[i] + along[j] - along[i] + back_leg[j]
            ok = np.isfinite(walk)
            if lim.per_day_households is not None:
                ok &= load[j + 1] - load[i] <= lim.per_day_households
            if lim.per_day_seconds is not None:
                ok &= walk / lim.speed_m_per_s + service[j + 1] - service[i] <= lim.per_day_seconds
            cost = np.where(ok, best[k - 1, i] + walk, np.inf)
            better = cost < best[k, j + 1]
            best[k, j + 1] = np.where(better, cost, best[k, j + 1])
            prev[k, j + 1] = np.where(better, i, prev[k, j + 1])
    k = int(np.argmin(best[1:, n])) + 1
    if not np.isfinite(best[k, n]):
        return None
    cuts, j = [], n
    while k > 0:
        i = int(prev[k, j])
        cuts.append([int(x) for x in t[i:j]])
        j, k = i, k - 1
    return cuts[::-1] + [[] for _ in range(days - len(cuts))]


def _split_length(distance: np.ndarray, split: list[list[int]], closed: bool) -> float:
    return sum(tour_length(distance, [0] + d, closed) for d in split if d)


def _rank(distance: np.ndarray, split: list[list[int]], closed: bool, n: int) -> tuple[int, float]:
    """Fewer stops left out first, then the shorter total walk."""
    return (n - 1 - sum(len(d) for d in split), _split_length(distance, split, closed))


def split_days(distance: np.ndarray, households: list[int], days: int, closed: bool, *,
               per_day_households: int | None = None, per_day_seconds: int | None = None,
               seconds_per_household: int = 0, speed_m_per_s: float = 1.25, seconds: float = VRP_SECONDS,
               level: int = VRP_LEVEL, polish: bool = True) -> DaySplit:
    """Split nodes 1..n-1 into `days` walks from node 0 within the day capacity.

    `households[i]` is what stop i counts against a capacity in households, or times
    `seconds_per_household` its time on the doorstep against a day's working time. Two first
    solutions compete: VROOM's own (`level`, most of `seconds`), and the fast-tsp tour of every
    stop cut into days by dynamic programming (`_cut_tour`, tried from several starting points
    of the tour). VROOM's local search then starts from the better one, and each day's order
    is polished with fast-tsp (a shorter walk never breaks a count or time limit). Measured in
    bench/routes.py and docs/routes.md.
    """
    n = len(distance)
    hh = np.asarray(households, dtype=np.int64)
    lim = _Limits(hh, per_day_households, hh * int(seconds_per_household), per_day_seconds, speed_m_per_s)
    candidates = [_vroom_split(distance, days, closed, lim, seconds * VRP_FIRST_SHARE, level)]
    if n > 2 and np.isfinite(distance).all():
        tour = one_day(distance, closed)
        stops = tour[1:]
        step = max(1, len(stops) // CUT_STARTS)
        for r in range(0, len(stops), step):
            cut = _cut_tour(distance, [0] + stops[r:] + stops[:r], days, closed, lim)
            if cut is not None:
                candidates.append(cut)
    best = min(candidates, key=lambda c: _rank(distance, c, closed, n))
    if len(candidates) > 1:
        improved = _vroom_split(distance, days, closed, lim, seconds * (1 - VRP_FIRST_SHARE), level, initial=best)
        if _rank(distance, improved, closed, n) <= _rank(distance, best, closed, n):
            best = improved
    out = [list(d) for d in best]
    if polish:
        for k, stops in enumerate(out):
            if len(stops) > 2:
                idx = [0] + stops
                order = one_day(distance[np.ix_(idx, idx)], closed, seconds=POLISH_SECONDS)
                better = [idx[i] for i in order[1:]]
                if tour_length(distance, [0] + better, closed) < tour_length(distance, [0] + stops, closed):
                    out[k] = better
    assigned = {i for d in out for i in d}
    unassigned = [i for i in range(1, n) if i not in assigned]
    out.sort(key=lambda d: not d)  # used days first
    return DaySplit(out, unassigned)
