"""Seeded random helpers shared by the demo generator modules."""
import random


def weighted(rng: random.Random, table) -> str:
    """Pick a key from ((key, weight), ...) with probability proportional to its weight."""
    r = rng.random() * sum(w for _, w in table)
    for key, w in table:
        r -= w
        if r < 0:
            return key
    return table[-1][0]
