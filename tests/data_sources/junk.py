"""Mutated copies of real payloads for "only FeedErrors escape" tests of every adapter."""

from __future__ import annotations

import copy
import random
from typing import Any, Iterator, Sequence

# Leaf values feeds have been seen to send where a number, a time or an object belongs.
LEAVES: tuple[Any, ...] = (None, "", "x", -1, 1e308, 10**400, [], {}, True, "NaN", {"a": [1]})


def mutants(tree: Any, seed: object, count: int = 80, leaves: Sequence[Any] = LEAVES) -> Iterator[Any]:
    """Copies of ``tree`` with one random node replaced by a junk leaf each (deterministic per seed)."""
    rng = random.Random(str(seed))
    for _ in range(count):
        mutant = copy.deepcopy(tree)
        node, path = mutant, []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            parent[key] = rng.choice(leaves)
        yield mutant
