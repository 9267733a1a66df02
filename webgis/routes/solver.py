"""The solvers: fast-tsp for one day's order, pyvroom (VROOM) for the split into days.

Index 0 of every matrix is the start. fast-tsp solves closed symmetric tours; an open walk
(no return to the start) is solved as a closed tour through a dummy node joined to the start
at cost 0 and to every other node at one large constant (the tour then runs start → … → last
stop → dummy → start, and the constant is the same for every tour). VROOM gets each day as one
vehicle (the grid leader on that day) with a capacity in households or a working time window,
and returns the stops that fit no day as unassigned.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

import fast_tsp
import numpy as np
import vroom

log = logging.getLogger(__name__)

TSP_SECONDS = 0.1  # fast-tsp's time budget for one day (matched long runs on 50-300 stops)
VRP_SECONDS = 1.0  # VROOM's time limit for the split into days
VRP_LEVEL = 5  # VROOM's exploration level (1-5)
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


def split_days(distance: np.ndarray, households: list[int], days: int, closed: bool, *,
               per_day_households: int | None = None, per_day_seconds: int | None = None,
               seconds_per_household: int = 0, speed_m_per_s: float = 1.25, seconds: float = VRP_SECONDS,
               level: int = VRP_LEVEL, polish: bool = True) -> DaySplit:
    """Split nodes 1..n-1 into `days` walks from node 0 within the day capacity (VROOM).

    `households[i]` is what stop i counts against a capacity in households, or times
    `seconds_per_household` its time on the doorstep against a day's working time. Each day's
    order is then polished with fast-tsp (a shorter walk never breaks a time or count limit).
    """
    n = len(distance)
    durations = np.rint(np.where(np.isfinite(distance), distance, 1e7) / speed_m_per_s).astype(np.int64)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=durations.tolist())
    problem.set_distances_matrix(profile="car",
                                 matrix_input=np.rint(np.where(np.isfinite(distance), distance, 1e7)).astype(np.int64).tolist())
    for k in range(days):
        kw = {"start": 0}
        if closed:
            kw["end"] = 0
        if per_day_households is not None:
            kw["capacity"] = [int(per_day_households)]
        if per_day_seconds is not None:
            kw["time_window"] = vroom.TimeWindow(0, int(per_day_seconds))
        problem.add_vehicle(vroom.Vehicle(k + 1, **kw))
    for i in range(1, n):
        kw = {}
        if per_day_households is not None:
            kw["delivery"] = vroom.Amount([int(households[i])])
        if seconds_per_household:
            kw["default_service"] = int(households[i]) * int(seconds_per_household)
        problem.add_job(vroom.Job(i, location=i, **kw))
    sol = problem.solve(exploration_level=level, nb_threads=1, timeout=timedelta(seconds=seconds))
    routes = sol.routes
    out: list[list[int]] = [[] for _ in range(days)]
    for vid, group in routes[routes["type"] == "job"].groupby("vehicle_id", sort=True):
        out[int(vid) - 1] = [int(x) for x in group["id"].tolist()]
    assigned = {i for d in out for i in d}
    unassigned = [i for i in range(1, n) if i not in assigned]
    if polish:
        for k, stops in enumerate(out):
            if len(stops) > 2:
                idx = [0] + stops
                order = one_day(distance[np.ix_(idx, idx)], closed)
                better = [idx[i] for i in order[1:]]
                if tour_length(distance, [0] + better, closed) < tour_length(distance, [0] + stops, closed):
                    out[k] = better
    out.sort(key=lambda d: not d)  # used days first
    return DaySplit(out, unassigned)
