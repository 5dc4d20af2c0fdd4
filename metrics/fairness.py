"""Fair comparison: Wilson intervals, funnel-plot limits and rank stability under other
weightings (Kaplan–Meier handling times: metrics.survival)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from metrics.assessment import composite_score, rank_scores, small_samples
from metrics.registry import KPIS, LEVELS
from metrics.rules import RuleSet, load_rules
from metrics.scheme import score

Z95 = 1.959963984540054
Z998 = 3.090232306167813
#: Other weightings a ranking is compared with; the rule set's own weights, and the built-in
#: rule set's (metrics/default.toml) when they differ, are always compared too.
ALTERNATIVE_WEIGHTS: dict[str, dict[str, float]] = {
    "0.1/0.45/0.45": {"response": 0.1, "solved": 0.45, "satisfaction": 0.45},
    "0.3/0.35/0.35": {"response": 0.3, "solved": 0.35, "satisfaction": 0.35},
}
WEIGHT_KEYS = ("response", "solved", "satisfaction")
_DIRECTION = {k.id: k.direction for k in KPIS}


def wilson(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lo, hi) for successes/n, elementwise (statsmodels'
    ``proportion_confint``); NaN where n = 0. ``successes`` may be fractional (e.g.
    satisfaction points)."""
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportion_confint

    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    some = m > 0
    # statsmodels divides by n: give empty denominators a stand-in, then blank them out.
    lo, hi = proportion_confint(
        np.where(some, x, 0.0), np.where(some, m, 1.0), alpha=2 * norm.sf(z), method="wilson"
    )
    lo = np.where(some, np.clip(lo, 0, 1), np.nan)
    hi = np.where(some, np.clip(hi, 0, 1), np.nan)
    return lo, hi


def funnel(table: pd.DataFrame, kpi_id: str, target: float | None = None) -> pd.DataFrame:
    """Funnel-plot limits of one rate against the pooled (city) rate: per unit ``n``, ``rate``
    with its own Wilson 95 % interval (``rate_lo``, ``rate_hi``), ``target``, 95 % (lo95/hi95)
    and 99.8 % (lo998/hi998) limits from the normal approximation to the binomial, and
    ``signal`` / ``signal_998`` = better | worse | '' (direction-aware) when the rate lies
    outside the limits. Units with n = 0 get no signal and no interval."""
    keys = [c for c in table.columns if c in _ALL_KEYS]
    num = table[f"{kpi_id}_num"].astype(float)
    n = table[f"{kpi_id}_den"].astype(float)
    if target is not None:
        p0 = float(target)
    else:
        p0 = float(num.sum() / n.sum()) if n.sum() > 0 else float("nan")
    out = table[keys].copy()
    out["n"] = n
    out["rate"] = table[kpi_id].astype(float)
    out["rate_lo"], out["rate_hi"] = wilson(num, n)
    out["target"] = p0
    for name, z in (("95", Z95), ("998", Z998)):
        with np.errstate(divide="ignore", invalid="ignore"):
            half = z * np.sqrt(p0 * (1 - p0) / n)
        out[f"lo{name}"] = np.where(n > 0, np.clip(p0 - half, 0, 1), np.nan)
        out[f"hi{name}"] = np.where(n > 0, np.clip(p0 + half, 0, 1), np.nan)
        high = out["rate"] > out[f"hi{name}"]
        low = out["rate"] < out[f"lo{name}"]
        good_high = _DIRECTION.get(kpi_id, "higher") != "lower"
        out["signal" if name == "95" else "signal_998"] = np.select(
            [high, low], ["better", "worse"] if good_high else ["worse", "better"], ""
        )
    return out


_ALL_KEYS = {k for keys in LEVELS.values() for k in keys}


def rank_stability(
    table: pd.DataFrame,
    rules: RuleSet | str | None = None,
    weightings: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Rank of each unit of a kpi_table/assessment under the rule set's scheme, the built-in
    rule set's when they differ, and each alternative weighting (columns ``rank@<name>``,
    ``rank@rules`` first), with best_rank, worst_rank and rank_spread (worst − best); units
    without a score stay unranked (<NA>)."""
    r = load_rules(rules)
    built_in = load_rules(None).weights
    alts = {"rules": r.weights}
    if _shares(built_in) != _shares(r.weights):
        alts["/".join(f"{built_in[k]:g}" for k in WEIGHT_KEYS)] = built_in
    alts.update(weightings or ALTERNATIVE_WEIGHTS)
    keys = [c for c in table.columns if c in _ALL_KEYS]
    out = table[keys].copy()
    ranks = []
    small = small_samples(table)
    for name, w in alts.items():
        col = f"rank@{name}"
        # the rule set's own rank comes from its scheme ([weights] alone: the same numbers)
        got = score(table, r.scheme) if name == "rules" else composite_score(table, w)
        out[col] = rank_scores(got.where(~small))
        ranks.append(col)
    frame = out[ranks].astype("Float64")
    out["best_rank"] = frame.min(axis=1).astype("Int64")
    out["worst_rank"] = frame.max(axis=1).astype("Int64")
    out["rank_spread"] = (out["worst_rank"] - out["best_rank"]).astype("Int64")
    return out


def _shares(weights: Mapping[str, float]) -> tuple[float, ...]:
    """Weights as shares of their sum: 1/5/4 ranks exactly as 0.1/0.5/0.4."""
    total = sum(weights.get(k, 0.0) for k in WEIGHT_KEYS) or 1.0
    return tuple(round(weights.get(k, 0.0) / total, 12) for k in WEIGHT_KEYS)
