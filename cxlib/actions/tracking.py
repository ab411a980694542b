"""Actions followed from run to run: what each watched KPI was when the action first
appeared, what it is now, and which actions are new or resolved.

The history is one JSON file in the reports folder (:data:`HISTORY_FILE`, beside the runs,
so it survives ``latest`` moving): a list of runs, each with the actions of its plan and
their watched KPI (value, 95% CI, target). The action plan's notebook only reads it
(:func:`track`); the report runner appends a run to it (:func:`record_run`) only after the
run was published complete, writing the file aside and renaming it, so a failed or
interrupted run never changes or corrupts it.

An action is matched across runs by its id (:func:`cxlib.actions.action.action_id`). Its
status:

- **new**: no earlier recorded run had it;
- **improved** / **worse**: the watched KPI moved the good / bad way since the action
  first appeared, beyond chance (the 95% CI of the change excludes 0; the two values'
  CIs are read as normal);
- **no clear change**: otherwise;
- **target met**: the KPI now meets its target (the problem fell below its threshold);
- **resolved**: in the last recorded run, but no longer found (the problem fell below the
  threshold that makes it an action).

Examples
--------
>>> history = [{"run_id": "r1", "actions": [{"id": "a", "kpi_value": 20.0, "kpi_low": 18.0,
...     "kpi_high": 22.0, "target_direction": "lower", "action": "Fix a"}]}]
>>> now = pd.DataFrame([{"id": "a", "action": "Fix a", "kpi_value": 12.0, "kpi_low": 10.0,
...     "kpi_high": 14.0, "target_direction": "lower", "target_met": False}])
>>> t = track(now, history)
>>> t.loc[0, ["status", "first_run"]].tolist(), float(t.loc[0, "change"])
(['improved', 'r1'], -8.0)
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cxlib.metrics.intervals import Z95
from cxlib.paths import REPORTS_DIR

HISTORY_FILE = "action_history.json"
"""The action history in the reports folder (beside the runs)."""
KEPT = (
    "id", "action", "kind", "owner", "kpi", "kpi_key", "kpi_value", "kpi_low", "kpi_high",
    "kpi_n", "kpi_unit", "target_value", "target_direction", "target_met",
)  # fmt: skip
"""What the history keeps of each action (aggregates only: no customer ids)."""
NEW, IMPROVED, WORSE, SAME, MET, RESOLVED = (
    "new", "improved", "worse", "no clear change", "target met", "resolved",
)  # fmt: skip
TRACK_COLUMNS = [
    "id", "action", "status", "first_run", "first_value", "first_low", "first_high",
    "kpi_value", "kpi_low", "kpi_high", "change", "change_low", "change_high",
]  # fmt: skip


def history_file(history_path: str | Path | None = None) -> Path:
    """The history file: ``history_path``, else :data:`HISTORY_FILE` in the reports folder."""
    return Path(history_path) if history_path else REPORTS_DIR / HISTORY_FILE


def read_history(path: str | Path | None) -> list[dict[str, Any]]:
    """The recorded runs (oldest first); none when the file is missing or unreadable."""
    if path is None or not Path(path).is_file():
        return []
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _num(x: Any) -> float:  # noqa: ANN401
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _se(low: float, high: float) -> float:
    """A value's standard error read from its 95% CI (NaN when unknown)."""
    return (high - low) / (2 * Z95) if math.isfinite(low) and math.isfinite(high) else math.nan


def _first(history: Sequence[Mapping[str, Any]], action: str) -> tuple[str, Mapping] | None:
    for run in history:
        for a in run.get("actions") or []:
            if a.get("id") == action:
                return str(run.get("run_id")), a
    return None


def _status(row: Mapping[str, Any], change: float, low: float, high: float) -> str:
    if row.get("target_met") is True:
        return MET
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 <= high:
        return SAME
    better = (change < 0) == (row.get("target_direction") != "higher")
    return IMPROVED if better else WORSE


def track(plan: pd.DataFrame, history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Per action of ``plan`` (:func:`cxlib.actions.plan.plan_table`): its status, its KPI
    when it first appeared and now, the change and its 95% CI; then the resolved actions.
    """
    rows = []
    for r in plan.to_dict("records"):
        first = _first(history, str(r["id"]))
        now, low, high = _num(r.get("kpi_value")), _num(r.get("kpi_low")), _num(r.get("kpi_high"))
        out = {"id": r["id"], "action": r.get("action"), "kpi_value": now, "kpi_low": low,
               "kpi_high": high}  # fmt: skip
        if first is None:
            rows.append(out | {"status": MET if r.get("target_met") is True else NEW})
            continue
        run, a = first
        v0, l0, h0 = _num(a.get("kpi_value")), _num(a.get("kpi_low")), _num(a.get("kpi_high"))
        change = now - v0
        half = Z95 * math.hypot(_se(low, high), _se(l0, h0))
        c_low, c_high = change - half, change + half
        rows.append(
            out
            | {
                "status": _status(r, change, c_low, c_high),
                "first_run": run,
                "first_value": v0,
                "first_low": l0,
                "first_high": h0,
                "change": change,
                "change_low": c_low,
                "change_high": c_high,
            }  # fmt: skip
        )
    current = {str(i) for i in plan["id"]} if len(plan) else set()
    last = history[-1].get("actions") if history else []
    for a in last or []:
        if str(a.get("id")) not in current:
            found = _first(history, str(a.get("id")))
            rows.append({
                "id": a.get("id"), "action": a.get("action"), "status": RESOLVED,
                "first_run": found[0] if found else None,
                "first_value": _num(found[1].get("kpi_value")) if found else math.nan,
                "kpi_value": _num(a.get("kpi_value")),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=TRACK_COLUMNS)


def record_run(
    history_path: str | Path,
    run_id: str,
    plan_json: str | Path,
    period_end: Any = None,  # noqa: ANN401
) -> bool:
    """Append a published run's actions to the history (atomically); False when the run
    has no action plan. A run already recorded is replaced, not repeated."""
    try:
        data = json.loads(Path(plan_json).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    actions = [{k: a.get(k) for k in KEPT} for a in data.get("actions") or []]
    _set_aside_if_unreadable(Path(history_path), run_id)
    history = [r for r in read_history(history_path) if r.get("run_id") != run_id]
    history.append({"run_id": run_id, "period_end": None if period_end is None else str(period_end),
                    "actions": actions})  # fmt: skip
    path = Path(history_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".action_history-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(history, fh, indent=1, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _set_aside_if_unreadable(path: Path, run_id: str) -> None:
    """Keep an unreadable history file (renamed beside it) instead of writing over it."""
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, list):
        path.rename(path.with_name(f"{path.stem}.unreadable-{run_id}{path.suffix}"))


def tracking_sentences(tracked: pd.DataFrame) -> list[str]:
    """What moved since the actions first appeared, for the first screen."""
    if tracked.empty:
        return []
    counts = tracked["status"].value_counts()
    if set(counts.index) <= {NEW}:
        return ["No earlier run is recorded: every action is new; the next runs will show "
                "how each watched KPI moves."]  # fmt: skip
    parts = [f"{n} {s}" for s, n in counts.items()]
    out = [f"Since the actions first appeared: {', '.join(parts)}."]
    for r in tracked[tracked["status"].isin([IMPROVED, WORSE])].head(5).to_dict("records"):
        out.append(
            f"{r['action']}: the watched KPI went from {r['first_value']:.1f} ({r['first_run']}) "
            f"to {r['kpi_value']:.1f} now ({r['status']}; change {r['change']:+.1f}, 95% CI "
            f"{r['change_low']:+.1f} to {r['change_high']:+.1f})."
        )
    return out


__all__ = [
    "HISTORY_FILE",
    "IMPROVED",
    "MET",
    "NEW",
    "RESOLVED",
    "SAME",
    "WORSE",
    "history_file",
    "read_history",
    "record_run",
    "track",
    "tracking_sentences",
]
