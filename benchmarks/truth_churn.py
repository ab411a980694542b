"""Churn truth study: does the churn analysis recover what is planted, on many worlds?

Runs :func:`cxlib.churn.churn_study` on randomized churn worlds
(:mod:`cxlib.sample.churn_worlds`: 24 with three planted drivers, 6 where nothing drives
churn, 4,000-12,000 customers) and prints one line per world and the figures of issue 13,
per world kind and overall:

- planted drivers in the top 3 of the driver table (a driver counts when one of the top
  three rows' ``features`` holds its feature; target: >= 90% of the signal worlds);
- a confounder (``plan``, which marks the ticket-prone customers) ranked above its cause
  (unresolved tickets) as a significant driver of its own (target: 0 worlds);
- sentences giving the non-linear driver (``products``, U-shaped) a per-unit effect:
  "each additional", "each +", "per " or "odds" in a driver sentence, first-screen
  sentence or finding about it (target: 0);
- no-signal worlds: the better model's CV ROC-AUC (target: <= 0.55) and whether the
  page says the drivers are not reliable (``summary(study)["drivers_reliable"]`` is
  False; target: every no-signal world).

Beside them, per world: a plain reference, a cross-validated logistic regression on the
planted features alone (products as levels) in the same as-of design (features at
three cutoffs 3, 6 and 9 months before the end of the data, churn within 3 months among
the customers active then), built here from :func:`cxlib.features.customer_features`
only. It is what a sound analysis can reach on the world (about 0.5 without signal).

Usage::

    python benchmarks/truth_churn.py [--worlds 30] [--param target=horizon ...] [--json out]

``--param name=value`` passes keyword arguments to ``churn_study`` (values are Python
literals). ``tests/test_truth_churn.py`` runs a fast subset with the same checks.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cxlib import churn  # noqa: E402
from cxlib.features import customer_features  # noqa: E402
from cxlib.sample.churn_worlds import DIRECTIONS, KINDS, MONTH_S, ChurnWorld, churn_world  # noqa: E402

TOP = 3
TARGET_TOP3 = 0.90
"""Share of signal worlds whose planted drivers all rank in the top 3."""
NO_SIGNAL_AUC = 0.55
"""The better model's CV ROC-AUC in a world without signal stays at or below this."""
PER_UNIT = re.compile(r"each additional|each \+|per |odds", re.IGNORECASE)
"""Wording of a per-unit effect (forbidden for a non-linear driver)."""
SIZES = (4_000, 6_000, 8_000, 10_000, 12_000)
SIGNAL_KINDS = [k for k, planted in KINDS.items() if planted]
SHAPES = {"unresolved_tickets": "increasing", "tenure_days": "decreasing",
          "ces_mean": "decreasing", "products": "u_shaped"}  # fmt: skip
"""The shape the driver table should give each planted driver."""
REFERENCE_CUTOFFS, REFERENCE_HORIZON = (3, 6, 9), 3
"""The reference's cutoffs (months before the end of the data) and horizon (months)."""
OUT = ROOT / "reports" / "truth_churn.json"


def default_worlds(n: int = 30) -> list[dict]:
    """``n`` worlds: four in five with signal (the three signal kinds in turn), one in five
    without; sizes cycle through :data:`SIZES`."""
    out = []
    for i in range(n):
        kind = "none" if i % 5 == 4 else SIGNAL_KINDS[(i - i // 5) % len(SIGNAL_KINDS)]
        out.append({"kind": kind, "customers": SIZES[i % len(SIZES)], "seed": i})
    return out


def fast_worlds() -> list[dict]:
    """A few small worlds for the test suite: one of each kind, 4,000 customers."""
    return [{"kind": k, "customers": 4_000, "seed": 100 + i} for i, k in enumerate(KINDS)]


def study_world(world: ChurnWorld, params: dict | None = None) -> dict:
    """Run the churn study on one world and compare it with the truth."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = churn.churn_study(world.data(), **(params or {}))
    seconds = time.perf_counter() - t0
    d = study.model.drivers_.sort_values("rank")
    groups = [set(str(f).split(";")) for f in d["features"]]
    truth = world.truth
    rank = {f["feature"]: _rank(groups, f["feature"]) for f in truth["drivers"]}
    page = [*churn.summary_sentences(study), *churn.findings(study)]
    info = churn.summary(study)
    auc = study.model.cv_summary_["roc_auc"] if len(study.model.cv_summary_) else pd.Series()
    return {
        "world": world.name,
        "kind": truth["kind"],
        "signal": bool(truth["drivers"]),
        "ranks": rank,
        "top3": all(r <= TOP for r in rank.values()),
        "top3_significant": all(
            r <= TOP and bool(d["significant"].iloc[int(r) - 1]) for r in rank.values()
        ),
        "collinear_grouped": _grouped(groups, truth),
        "top": [
            f"{r.driver} ({'sig' if r.significant else 'n.s.'})" for r in d.head(TOP).itertuples()
        ],
        "confounder_above": _confounders_above(d, groups, truth),
        "per_unit_sentences": _per_unit(d, groups, truth, page),
        "shapes": {f: _shape(d, groups, f) for f in rank},
        "cv_auc": float(auc.max()) if len(auc) else float("nan"),
        "reference_auc": reference_auc(world),
        "drivers_reliable": info.get("drivers_reliable"),
        "page_says_unreliable": _page_says_unreliable(page),
        "seconds": round(seconds, 1),
    }


def _rank(groups: list[set[str]], feature: str) -> float:
    """Position (1-based) of the first driver row holding ``feature`` (inf when absent)."""
    return next((i + 1.0 for i, g in enumerate(groups) if feature in g), float("inf"))


def _grouped(groups: list[set[str]], truth: dict) -> bool | None:
    """Whether the collinear partner shares a driver row with the planted feature it
    tracks (None when that feature is not planted or not ranked)."""
    planted = {f["feature"] for f in truth["drivers"]}
    pair = next((c for c in truth["collinear"] if c["with"] in planted), None)
    if pair is None or _rank(groups, pair["with"]) == float("inf"):
        return None
    return pair["feature"] in groups[int(_rank(groups, pair["with"])) - 1]


def _confounders_above(d: pd.DataFrame, groups: list[set[str]], truth: dict) -> list[str]:
    """Confounders ranked above their (planted) cause as a significant driver of their own."""
    planted = {f["feature"] for f in truth["drivers"]}
    out = []
    for c in truth["confounders"]:
        if c["of"] not in planted:
            continue
        i, j = _rank(groups, c["feature"]), _rank(groups, c["of"])
        own = i < float("inf") and c["of"] not in groups[int(i) - 1]
        if own and i < j and bool(d["significant"].iloc[int(i) - 1]):
            out.append(f"{c['feature']} ({i:g}) above {c['of']} ({j:g})")
    return out


def _per_unit(d: pd.DataFrame, groups: list[set[str]], truth: dict, page: list[str]) -> list[str]:
    """Sentences that give a non-linear driver a per-unit effect (its table row, and every
    first-screen sentence or finding that names it)."""
    out = []
    for f in truth["nonlinear"]:
        i = _rank(groups, f)
        own = [str(d["sentence"].iloc[int(i) - 1])] if i < float("inf") else []
        about = [s for s in page if f.replace("_", " ") in s.lower()]
        out += [s for s in dict.fromkeys(own + about) if PER_UNIT.search(s)]
    return out


def _shape(d: pd.DataFrame, groups: list[set[str]], feature: str) -> str | None:
    """The shape the driver table gives ``feature`` (None: no shape column or not ranked)."""
    i = _rank(groups, feature)
    if "shape" not in d or i == float("inf"):
        return None
    return str(d["shape"].iloc[int(i) - 1])


def _page_says_unreliable(page: list[str]) -> bool:
    """Whether the first screen says the drivers cannot be relied on (text fallback until
    ``summary(study)["drivers_reliable"]`` exists)."""
    text = " ".join(page).lower()
    return any(
        p in text
        for p in ("not reliable", "no better than chance", "not trustworthy", "no feature clearly")
    )


def reference_auc(world: ChurnWorld, folds: int = 5) -> float:
    """CV ROC-AUC of a logistic regression on the planted features in an as-of design
    (see the module docstring); without planted drivers, on every plantable feature."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict

    planted = [f["feature"] for f in world.truth["drivers"]]
    X, y, groups = as_of_table(world, planted or list(DIRECTIONS))
    if y.sum() < folds:
        return float("nan")
    proba = cross_val_predict(
        LogisticRegression(max_iter=1_000), X, y, groups=groups, cv=GroupKFold(folds),
        method="predict_proba",
    )[:, 1]  # fmt: skip
    return float(roc_auc_score(y, proba))


def as_of_table(
    world: ChurnWorld, features: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked as-of rows: features at each reference cutoff (standardised; products as
    levels), churn within the horizon, and the customer of each row (for grouped folds)."""
    cx = world.data()
    c = cx.customers.set_index("customer_id")
    end = pd.Timestamp(world.truth["end"])
    month = pd.Timedelta(seconds=MONTH_S)
    rows, labels, owners = [], [], []
    for back in REFERENCE_CUTOFFS:
        t0 = end - back * month
        active = (c["signup_date"] < t0) & ~(c["churn_date"] < t0)
        F = customer_features(cx, cutoff=t0).loc[active[active].index, features]
        rows.append(F)
        labels.append((c.loc[F.index, "churn_date"] < t0 + REFERENCE_HORIZON * month).to_numpy())
        owners.append(F.index.to_numpy())
    F = pd.concat(rows)
    if "products" in F:
        F = pd.get_dummies(
            F.astype({"products": "category"}), columns=["products"], drop_first=True
        )
    F = F.astype(float).fillna(F.astype(float).median())
    Z = ((F - F.mean()) / F.std(ddof=0).replace(0, 1)).to_numpy()
    return Z, np.concatenate(labels), np.concatenate(owners)


def summarise(results: list[dict]) -> dict:
    """The recovery figures, per world kind and overall, and whether each target is met."""
    signal = [r for r in results if r["signal"]]
    none = [r for r in results if not r["signal"]]
    nonlinear = [r for r in signal if "products" in r["ranks"]]
    reliable = [r["drivers_reliable"] for r in none]
    out = {
        "worlds": len(results),
        "by_kind": {k: _kind_figures([r for r in results if r["kind"] == k]) for k in KINDS},
        "top3_share": _mean([r["top3"] for r in signal]),
        "confounder_above_cause": sum(bool(r["confounder_above"]) for r in signal),
        "per_unit_sentences_nonlinear": sum(len(r["per_unit_sentences"]) for r in signal),
        "top3_significant_share": _mean([r["top3_significant"] for r in signal]),
        "collinear_grouped_share": _mean(
            [r["collinear_grouped"] for r in signal if r["collinear_grouped"] is not None]
        ),
        "planted_called_flat": sum(any(v == "flat" for v in r["shapes"].values()) for r in signal),
        "u_shape_named": _mean(
            [r["shapes"]["products"] == "u_shaped" for r in nonlinear if r["shapes"]["products"]]
        ),
        "shape_right": {
            f: _mean([r["shapes"][f] == SHAPES[f] for r in signal if r["shapes"].get(f)])
            for f in DIRECTIONS
        },
        "none_worlds": len(none),
        "none_auc_max": max((r["cv_auc"] for r in none), default=float("nan")),
        "none_said_unreliable": sum(v is False for v in reliable),
        "none_reliable_flag_missing": sum(v is None for v in reliable),
        "none_page_text_unreliable": sum(r["page_says_unreliable"] for r in none),
    }
    out["targets_met"] = {
        "top3": out["top3_share"] >= TARGET_TOP3,
        "confounder": out["confounder_above_cause"] == 0,
        "nonlinear_wording": out["per_unit_sentences_nonlinear"] == 0,
        "none_auc": all(r["cv_auc"] <= NO_SIGNAL_AUC for r in none),
        "none_unreliable": out["none_said_unreliable"] == len(none),
    }
    return out


def _mean(values: list) -> float:
    return float(np.mean(values)) if values else float("nan")


def _kind_figures(rs: list[dict]) -> dict:
    """Figures of one world kind."""
    return {
        "worlds": len(rs),
        "top3_share": _mean([r["top3"] for r in rs]) if rs and rs[0]["signal"] else None,
        "confounder_above_cause": sum(bool(r["confounder_above"]) for r in rs),
        "per_unit_sentences": sum(len(r["per_unit_sentences"]) for r in rs),
        "cv_auc_median": float(np.median([r["cv_auc"] for r in rs])) if rs else float("nan"),
        "reference_auc_median": float(np.median([r["reference_auc"] for r in rs]))
        if rs
        else float("nan"),
        "seconds_max": max((r["seconds"] for r in rs), default=0.0),
    }


def check(summary: dict) -> list[str]:
    """The targets missed, in words (empty when all are met)."""
    met, s = summary["targets_met"], summary
    texts = {
        "top3": f"planted drivers in the top 3 in {s['top3_share']:.0%} of signal worlds < 90%",
        "confounder": f"confounder above its cause in {s['confounder_above_cause']} worlds",
        "nonlinear_wording": f"{s['per_unit_sentences_nonlinear']} per-unit sentences for products",
        "none_auc": f"no-signal CV AUC up to {s['none_auc_max']:.3f} > {NO_SIGNAL_AUC}",
        "none_unreliable": f"no-signal worlds said unreliable: {s['none_said_unreliable']} of "
        f"{s['none_worlds']} ({s['none_reliable_flag_missing']} without drivers_reliable)",
    }
    return [texts[k] for k, ok in met.items() if not ok]


def run(
    worlds: list[dict] | None = None, params: dict | None = None, verbose: bool = True
) -> tuple[list[dict], dict]:
    """Study the worlds (default: :func:`default_worlds`); a line per world when verbose."""
    results = []
    for spec in worlds or default_worlds():
        r = study_world(churn_world(**spec), params)
        results.append(r)
        if verbose:
            print(_line(r), flush=True)
    return results, summarise(results)


def _line(r: dict) -> str:
    ok = "ok  " if (r["top3"] if r["signal"] else r["cv_auc"] <= NO_SIGNAL_AUC) else "MISS"
    ranks = ", ".join(f"{f}={v:g}" for f, v in r["ranks"].items()) or "-"
    flags = [f"CONFOUNDER {x}" for x in r["confounder_above"]]
    flags += [f"PER-UNIT: {s[:60]}" for s in r["per_unit_sentences"]]
    return (
        f"{ok} {r['world']}  ranks {ranks}  top: {'; '.join(r['top'])}  CV AUC "
        f"{r['cv_auc']:.3f} (reference {r['reference_auc']:.3f})  reliable "
        f"{r['drivers_reliable']}  {r['seconds']:.1f}s  {' | '.join(flags)}"
    )


def report(summary: dict) -> str:
    """The figures as printed by ``make truth``."""
    s = summary
    lines = [f"\nChurn truth study over {s['worlds']} worlds:"]
    for kind, k in s["by_kind"].items():
        top3 = f"top 3 {k['top3_share']:.0%}, " if k["top3_share"] is not None else ""
        lines.append(
            f"  {kind:<24} {k['worlds']:>2} worlds: {top3}confounder above cause "
            f"{k['confounder_above_cause']}, per-unit products sentences "
            f"{k['per_unit_sentences']}, CV AUC median {k['cv_auc_median']:.3f} (reference "
            f"{k['reference_auc_median']:.3f}), slowest {k['seconds_max']:.1f} s"
        )
    lines += [
        f"  planted drivers in the top 3: {s['top3_share']:.0%} of signal worlds (target >= 90%); "
        f"in the top 3 and significant: {s['top3_significant_share']:.0%}",
        f"  ticket count in the same driver group as unresolved tickets: "
        f"{s['collinear_grouped_share']:.0%} of signal worlds",
        "  shape named as planted: "
        + ", ".join(f"{f} {_pct(v)}" for f, v in s["shape_right"].items())
        + (
            " (n/a: no shape in the table)"
            if any(np.isnan(list(s["shape_right"].values())))
            else ""
        )
        + f"; a planted driver called flat in {s['planted_called_flat']} worlds",
        f"  confounder ranked above its cause: {s['confounder_above_cause']} worlds (target 0)",
        f"  per-unit sentences for the non-linear driver: {s['per_unit_sentences_nonlinear']} "
        f"(target 0); U shape named in {_pct(s['u_shape_named'])} of its worlds",
        f"  no-signal worlds ({s['none_worlds']}): CV AUC up to {s['none_auc_max']:.3f} "
        f"(target <= {NO_SIGNAL_AUC}); said unreliable {s['none_said_unreliable']} "
        f"(drivers_reliable missing in {s['none_reliable_flag_missing']}; page text says so "
        f"in {s['none_page_text_unreliable']})",
    ]
    return "\n".join(lines)


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.0%}"


def _params(items: list[str]) -> dict:
    """``name=value`` pairs (values as Python literals, else strings)."""
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[name] = value
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the study from the command line; exit 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=30)
    ap.add_argument("--fast", action="store_true", help="the test suite's worlds only")
    ap.add_argument("--param", action="append", default=[], help="churn_study keyword name=value")
    ap.add_argument("--json", type=Path, default=OUT)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    params = _params(args.param)
    results, summary = run(fast_worlds() if args.fast else default_worlds(args.worlds), params)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["params"] = params
    print(report(summary) + f"\n  ({summary['seconds']} s)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"summary": summary, "worlds": results}, indent=2, default=str))
    print(f"  written to {args.json}")
    missed = check(summary)
    for m in missed:
        print(f"MISSED: {m}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
