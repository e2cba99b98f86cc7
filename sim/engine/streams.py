"""The random streams of a path, and quantile functions applied to the draws of many paths at once.

Path ``i`` of a run with root seed ``s`` owns the seed sequence
``SeedSequence(s, spawn_key=(i,))``, the same as child ``i`` of
``SeedSequence(s).spawn(n)``, which seeds the path's PCG64 generator. Inside
the path, every entity that draws random numbers has its own stream, keyed by
the entity's name rather than by its position: the path's PCG64 stream advanced
by ``key(name) * 2**80`` steps, with ``key`` a stable 40-bit hash of the name.
Streams of different entities are thus at least ``2**80`` draws apart (a path
uses a few thousand), and making one costs a jump of the path's state, not a
new seed sequence. The jump is affine in the path's state and increment
(:func:`_entity_jump`, computed once per entity name): a stream costs two
multiplications and one state assignment and reaches the state
``PCG64.advance`` would, to the bit (tested), at about half its cost. The
paths of a batch share one generator (:meth:`PathStreams.batch`), each call
setting its state. Adding or removing a project changes no other entity's
draws, and scenarios compared on the same seed share their random inputs.

A path's uniforms come only from its own streams (:func:`uniforms` draws one
entity's for a batch, a row a path); turning them into values (``dist.ppf(u)``)
is elementwise, so it can run once over the uniforms of many paths
(:func:`ppf_each`) and give each path exactly what it would alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..distributions import BETA_FEW, Distribution, Pert

__all__ = ["REPORTER_GAP_STREAMS", "PathStreams", "ppf_each", "ppf_one", "uniforms"]

REPORTER_GAP_STREAMS = {"exports": "trade.reporter_gap.exports", "imports": "trade.reporter_gap.imports"}
"""The streams of the gap by direction (``[trade.reporter_gap.exports]`` / ``.imports``): names of their own, so a
scenario without them draws the turnover's gap (stream ``trade.reporter_gap``) exactly as before they existed."""


_PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
"""The multiplier of PCG64's 128-bit linear congruential step (numpy's ``PCG_DEFAULT_MULTIPLIER_128``)."""
_MASK_128 = (1 << 128) - 1


@lru_cache(maxsize=4096)
def _entity_offset(entity: str) -> int:
    """Jump of an entity's stream from the path's origin: a 40-bit name hash times ``2**80``."""
    return int.from_bytes(hashlib.blake2b(entity.encode(), digest_size=5).digest(), "little") << 80


def _seeded(words: list[int]) -> tuple[int, int]:
    """PCG64's state and increment seeded from four 64-bit words of a seed sequence (``PCG64(sequence)``, without
    building the generator): numpy's ``pcg_setseq_128_srandom_r`` on ``(words[0], words[1])`` and ``(words[2], words[3])``."""
    initial, sequence = (words[0] << 64) | words[1], (words[2] << 64) | words[3]
    increment = ((sequence << 1) | 1) & _MASK_128
    state = (increment + initial) & _MASK_128  # one step from 0, plus the initial state
    return (state * _PCG64_MULTIPLIER + increment) & _MASK_128, increment


@lru_cache(maxsize=4096)
def _entity_jump(entity: str) -> tuple[int, int]:
    """``(a, c)`` such that ``PCG64.advance(_entity_offset(entity))`` takes state ``x`` of increment ``inc`` to
    ``(a * x + c * inc) mod 2**128``.

    Advancing an LCG ``x -> m x + inc`` by ``d`` steps is ``x -> m**d x + inc (m**(d-1) + ... + 1)``, computed by
    squaring as numpy's ``pcg_advance_lcg_128`` does it; the increment's factor does not depend on the path.
    """
    delta = _entity_offset(entity)
    a, c, mult, plus = 1, 0, _PCG64_MULTIPLIER, 1
    while delta:
        if delta & 1:
            a = (a * mult) & _MASK_128
            c = (c * mult + plus) & _MASK_128
        plus = ((mult + 1) * plus) & _MASK_128
        mult = (mult * mult) & _MASK_128
        delta >>= 1
    return a, c


def _sequence(seed: int, path: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(path,))


@lru_cache(maxsize=8192)
def _path_origin(seed: int, path: int) -> tuple[int, int]:
    """The state and increment PCG64 starts a path's stream from (:func:`_seeded` of its seed sequence): kept, as
    a study of counterfactuals draws the same paths for the baseline and for every variant."""
    return _seeded(_sequence(seed, path).generate_state(4, np.uint64).tolist())


class PathStreams:
    """The random streams of one path, keyed by entity name.

    Parameters
    ----------
    seed : int
        Root seed of the run.
    path : int
        Path index (0-based).

    generator : numpy.random.Generator, optional
        A PCG64 generator to share with other paths' streams (:meth:`batch`); by default the path's own.

    Notes
    -----
    ``streams(entity)`` returns one shared generator positioned at the start of
    that entity's stream: use it fully before asking for the next entity.
    """

    def __init__(self, seed: int, path: int, generator: np.random.Generator | None = None):
        self._origin, self._increment = _path_origin(seed, path)
        self._generator = generator if generator is not None else np.random.Generator(np.random.PCG64(_sequence(seed, path)))
        self._bits = self._generator.bit_generator
        # the state given to the generator at each stream: made once, only its "state" changes (tens of streams a path)
        self._position = {"state": 0, "inc": self._increment}
        self._state = {"bit_generator": "PCG64", "state": self._position, "has_uint32": 0, "uinteger": 0}

    @classmethod
    def batch(cls, seed: int, paths: Sequence[int]) -> list[PathStreams]:
        """The streams of several paths, sharing one generator (each call sets its state): use each stream fully before
        asking any of them for another, as with one path's."""
        out: list[PathStreams] = []
        for path in paths:
            out.append(cls(seed, path, out[0]._generator if out else None))
        return out

    def __call__(self, entity: str) -> np.random.Generator:
        a, c = _entity_jump(entity)
        # the state PCG64.advance(_entity_offset(entity)) reaches from the origin (tested), set in one assignment
        self._position["state"] = (a * self._origin + c * self._increment) & _MASK_128
        self._bits.state = self._state
        return self._generator


def uniforms(streams: Sequence[PathStreams], entity: str, k: int) -> np.ndarray:
    """The first ``k`` uniforms of ``entity``'s stream on each path, shape ``(paths, k)``: row ``i`` is what
    ``streams[i](entity).random(k)`` gives (drawn into the rows in place)."""
    out = np.empty((len(streams), k))
    for row, st in zip(out, streams, strict=True):
        st(entity).random(out=row)
    return out


def ppf_one(d: Distribution, u: float) -> float:
    """The value of ``d`` at the uniform ``u``, by inversion; a fixed value as given."""
    if d.is_fixed:
        return d.value  # type: ignore[attr-defined]
    return float(d.ppf(np.asarray(u)))


def ppf_each(d: Distribution, u: np.ndarray, sizes: np.ndarray | None = None) -> np.ndarray:
    """``d.ppf`` of the uniforms of several paths side by side, each value as ``d.ppf`` of its own path's uniforms alone gives it.

    Parameters
    ----------
    d : Distribution
    u : ndarray
        Without ``sizes``: one row per path (shape ``(paths,)`` for one value a path, ``(paths, k)`` for ``k``).
        With ``sizes``: the paths' uniforms one after the other, ``sizes[i]`` of path ``i``.
    sizes : ndarray of int, optional

    Notes
    -----
    Every law's arithmetic is elementwise except PERT's: it computes up to
    :data:`~sim.distributions.BETA_FEW` values at once exactly and more from a
    table, so each path's values are computed the way its own count decides.
    """
    if d.is_fixed:
        return np.full(u.shape, d.value)  # type: ignore[attr-defined]
    if not isinstance(d, Pert):
        return d.ppf(u)
    if sizes is None:
        return d.ppf_exact(u) if u[:1].size <= BETA_FEW else d.ppf(u)
    few = sizes <= BETA_FEW
    if few.all():
        return d.ppf_exact(u)
    out = d.ppf(u)
    if few.any():
        exact = np.repeat(few, sizes)
        out[exact] = d.ppf_exact(u[exact])
    return out
