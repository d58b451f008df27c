"""Independent, reproducible random streams.

Every stream is a numpy ``Generator`` seeded from ``SeedSequence(seed, spawn_key=
(replication, crc32(name)))``: the numbers a stream gives depend only on the
scenario seed, the replication and the stream's name (``arrivals:containers``,
``weather`` …). Two scenarios run with the same seed therefore see the same ships
and the same weather (common random numbers), and adding a flow to one scenario does
not disturb the streams of the others. Nothing depends on worker count or order.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for one named stream of one replication."""
    key = (int(replication), zlib.crc32(name.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def gamma_multiplier(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    """Mean-one gamma variates with coefficient of variation ``cv`` (1 when cv is 0).

    cv = 1 gives the exponential distribution, cv = 1/sqrt(k) the Erlang-k.
    """
    if cv <= 0:
        return np.ones(size)
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, 1.0 / shape, size)
