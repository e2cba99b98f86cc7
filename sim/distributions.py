"""The small language for uncertain inputs.

A scenario value is either a plain number (a constant) or a table naming a
distribution, e.g. ``{dist = "lognormal", median = 0.08, p90 = 0.35}``. Each
distribution maps onto a frozen ``scipy.stats`` distribution
(:meth:`Distribution.to_scipy`) and is sampled by inversion,
``value = ppf(u)`` with ``u`` uniform on (0, 1). Sampling by inversion keeps
common random numbers meaningful: when a scenario changes a parameter, every
path keeps its quantile ``u`` and its value moves monotonically.

The fast ``ppf`` methods use ``scipy.special`` directly; the test suite checks
each against ``to_scipy().ppf``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import special

__all__ = [
    "Distribution",
    "Fixed",
    "Uniform",
    "Triangular",
    "Pert",
    "Normal",
    "Lognormal",
    "LogitNormal",
    "Choice",
    "Uncertain",
    "DISTRIBUTION_NAMES",
    "DISTRIBUTIONS",
    "Z90",
    "as_distribution",
]

Z90 = float(special.ndtri(0.9))
"""The 90th percentile of the standard normal (about 1.2816): ``p90 = median * exp(Z90 * log_sd)`` for a lognormal."""


class Distribution(BaseModel):
    """Base class: an uncertain scalar input, sampled by inversion."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function applied elementwise to uniforms ``u`` in (0, 1)."""
        raise NotImplementedError

    def to_scipy(self) -> Any:
        """The equivalent frozen ``scipy.stats`` distribution."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take."""
        raise NotImplementedError

    @property
    def is_fixed(self) -> bool:
        """True when the input is a constant."""
        return False

    @property
    def attains_min(self) -> bool:
        """False when the lower end of :meth:`support` is a limit never reached (lognormal at 0)."""
        return True

    @property
    def attains_max(self) -> bool:
        """False when the upper end of :meth:`support` is a limit never reached (logit-normal at 1)."""
        return True

    def describe(self) -> str:
        """Short human-readable form, as it would be written in a scenario."""
        params = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in self.model_dump().items() if k != "dist")
        return f'{{dist = "{self.dist}", {params}}}'  # type: ignore[attr-defined]


class Fixed(Distribution):
    """A constant: ``{dist = "fixed", value = x}`` or simply ``x``."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.uniform(loc=self.value, scale=0.0)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    @property
    def is_fixed(self) -> bool:
        return True

    def describe(self) -> str:
        return f"{self.value:g}"


class Uniform(Distribution):
    """``{dist = "uniform", min = a, max = b}``: every value in [a, b] equally likely."""

    dist: Literal["uniform"]
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.min < self.max:
            raise ValueError(f"uniform needs min < max (got min = {self.min:g}, max = {self.max:g})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.min + np.asarray(u) * (self.max - self.min)

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.uniform(loc=self.min, scale=self.max - self.min)

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)


class Triangular(Distribution):
    """``{dist = "triangular", min = a, mode = m, max = b}``."""

    dist: Literal["triangular"]
    min: float
    mode: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            raise ValueError(f"triangular needs min <= mode <= max and min < max (got {self.min:g}, {self.mode:g}, {self.max:g})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        a, m, b = self.min, self.mode, self.max
        c = (m - a) / (b - a)
        lower = a + np.sqrt(u * (b - a) * (m - a))
        upper = b - np.sqrt((1.0 - u) * (b - a) * (b - m))
        return np.where(u < c, lower, upper)

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.triang((self.mode - self.min) / (self.max - self.min), loc=self.min, scale=self.max - self.min)

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)


BETA_TABLE_CELLS = 4096
BETA_EXACT_TAIL = 0.01
BETA_FEW = 16
"""Up to this many values at once, beta quantiles are computed exactly (cheaper than the table's bookkeeping)."""


@lru_cache(maxsize=256)
def _beta_quantile_table(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact beta quantiles at ``u = k / BETA_TABLE_CELLS``, k = 0..BETA_TABLE_CELLS, and each cell's rise
    (``table[k + 1] - table[k]``, k = 0..BETA_TABLE_CELLS - 1: kept, not gathered twice and subtracted for each value)."""
    table = special.betaincinv(a, b, np.linspace(0.0, 1.0, BETA_TABLE_CELLS + 1))
    return table, table[1:] - table[:-1]


def _beta_ppf(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """Beta quantiles: linear interpolation of exact values on an even grid of ``u``, exact in the tails.

    In the tails (``u`` below 0.01 or above 0.99) the quantile function can be
    steep, so it is evaluated exactly there; inside, the grid step 1/4096 keeps
    the interpolation error below 1e-5 of the range for PERT shapes (tested).
    ``scipy.special.betaincinv`` alone takes about 2 microseconds a value, and
    build durations are drawn for every project of every path.
    """
    if u.size <= BETA_FEW:
        return special.betaincinv(a, b, u)
    table, rise = _beta_quantile_table(a, b)
    pos = u * BETA_TABLE_CELLS
    i = np.minimum(pos.astype(np.int64), BETA_TABLE_CELLS - 1)
    out = table[i] + (pos - i) * rise[i]
    tails = (u < BETA_EXACT_TAIL) | (u > 1.0 - BETA_EXACT_TAIL)
    if tails.any():
        out[tails] = special.betaincinv(a, b, u[tails])
    return out


class Pert(Distribution):
    """``{dist = "pert", min = a, mode = m, max = b}``: the (modified) PERT law.

    A beta distribution on [a, b] with shape ``1 + lamb * (m - a) / (b - a)``
    and ``1 + lamb * (b - m) / (b - a)``; ``lamb = 4`` is the classic PERT.
    """

    dist: Literal["pert"]
    min: float
    mode: float
    max: float
    lamb: float = Field(default=4.0, gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            raise ValueError(f"pert needs min <= mode <= max and min < max (got {self.min:g}, {self.mode:g}, {self.max:g})")
        return self

    def _shapes(self) -> tuple[float, float]:
        span = self.max - self.min
        return (1.0 + self.lamb * (self.mode - self.min) / span, 1.0 + self.lamb * (self.max - self.mode) / span)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        return self.min + (self.max - self.min) * _beta_ppf(*self._shapes(), u.reshape(-1)).reshape(u.shape)

    def ppf_exact(self, u: np.ndarray) -> np.ndarray:
        """The quantiles computed exactly, without the table: what :meth:`ppf` gives for up to :data:`BETA_FEW` values."""
        return self.min + (self.max - self.min) * special.betaincinv(*self._shapes(), np.asarray(u, dtype=float))

    def to_scipy(self) -> Any:
        from scipy import stats

        a, b = self._shapes()
        return stats.beta(a, b, loc=self.min, scale=self.max - self.min)

    def support(self) -> tuple[float, float]:
        return (self.min, self.max)


class Normal(Distribution):
    """``{dist = "normal", mean = mu, sd = s}``."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0.0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(np.asarray(u, dtype=float))

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.norm(loc=self.mean, scale=self.sd)

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)


class Lognormal(Distribution):
    """``{dist = "lognormal", median = m, p90 = q}``: given by its median and 90th percentile."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0.0)
    p90: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Lognormal:
        if not self.p90 > self.median:
            raise ValueError(f"lognormal needs p90 > median (got median = {self.median:g}, p90 = {self.p90:g})")
        return self

    @property
    def sigma(self) -> float:
        """Standard deviation of the logarithm."""
        return math.log(self.p90 / self.median) / Z90

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.lognorm(self.sigma, scale=self.median)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    @property
    def attains_min(self) -> bool:
        return False


class LogitNormal(Distribution):
    """``{dist = "logitnormal", median = m, p90 = q}``: a share in (0, 1) whose logit is normal.

    Given by its median and 90th percentile, like ``lognormal``; the logit
    ``ln(x / (1 - x))`` is normal with mean ``logit(m)`` and standard deviation
    ``(logit(q) - logit(m)) / 1.2816``. Maps onto ``scipy.stats.johnsonsb``
    with ``a = -mu / sigma`` and ``b = 1 / sigma`` (Johnson's SB law on (0, 1)
    is exactly the logit-normal).
    """

    dist: Literal["logitnormal"]
    median: float = Field(gt=0.0, lt=1.0)
    p90: float = Field(gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> LogitNormal:
        if not self.p90 > self.median:
            raise ValueError(f"logitnormal needs p90 > median (got median = {self.median:g}, p90 = {self.p90:g})")
        return self

    @property
    def mu(self) -> float:
        """Mean of the logit."""
        return float(special.logit(self.median))

    @property
    def sigma(self) -> float:
        """Standard deviation of the logit."""
        return (float(special.logit(self.p90)) - self.mu) / Z90

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return special.expit(self.mu + self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.johnsonsb(-self.mu / self.sigma, 1.0 / self.sigma)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    @property
    def attains_min(self) -> bool:
        return False

    @property
    def attains_max(self) -> bool:
        return False


class Choice(Distribution):
    """``{dist = "choice", values = [...], weights = [...]}``: a discrete choice.

    ``weights`` default to equal; they are normalised. Maps onto
    ``scipy.stats.rv_discrete`` over the value indices.
    """

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"choice needs one weight per value ({len(self.values)} values, {len(self.weights)} weights)")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("choice weights must be >= 0 with a positive sum")
        return self

    def _probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        cum = np.cumsum(self._probabilities())
        idx = np.minimum(np.searchsorted(cum, np.asarray(u, dtype=float), side="right"), len(self.values) - 1)
        return np.asarray(self.values, dtype=float)[idx]

    def to_scipy(self) -> Any:
        from scipy import stats

        return stats.rv_discrete(values=(np.arange(len(self.values)), self._probabilities()))

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))


_KINDS = (Fixed, Uniform, Triangular, Pert, Normal, Lognormal, LogitNormal, Choice)
DISTRIBUTIONS: dict[str, type[Distribution]] = {k.model_fields["dist"].annotation.__args__[0]: k for k in _KINDS}  # type: ignore[union-attr]
"""Distribution classes by their ``dist`` name."""
DISTRIBUTION_NAMES: tuple[str, ...] = tuple(DISTRIBUTIONS)


def _number_or_table(value: Any) -> Any:
    """Accept a bare number as a constant; leave tables for the tagged union."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a distribution table, not true/false")
    if isinstance(value, (int, float)):
        return {"dist": "fixed", "value": value}
    if isinstance(value, Distribution):
        return value
    if isinstance(value, dict) and "dist" not in value:
        raise ValueError(f"a distribution table needs a 'dist' key, one of: {', '.join(DISTRIBUTION_NAMES)}")
    if not isinstance(value, dict):
        raise ValueError(
            f'must be a number or a distribution table like {{dist = "pert", min = 1, mode = 2, max = 4}}, not {type(value).__name__}'
        )
    return value


Uncertain = Annotated[
    Fixed | Uniform | Triangular | Pert | Normal | Lognormal | LogitNormal | Choice,
    Field(discriminator="dist"),
    BeforeValidator(_number_or_table),
]
"""A scenario input that is a constant or one of the distributions above."""


def as_distribution(value: Any) -> Distribution:
    """The distribution of a scenario value: a number is a constant, a table names its distribution.

    Parameters
    ----------
    value : float or dict
        A plain number, or a table such as ``{"dist": "pert", "min": 0.1, "mode": 0.2, "max": 0.4}``
        (the tables written by :mod:`sim.calibration`).

    Returns
    -------
    Distribution
    """
    table = value if isinstance(value, dict) else {"dist": "fixed", "value": float(value)}
    return DISTRIBUTIONS[table["dist"]].model_validate(table)
