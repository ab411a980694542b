"""The data-quality report: what was read, what was kept, what was excluded and why.

Every load produces one :class:`QualityReport`. Its promise: for every table,
``rows_in == rows_kept + sum(excluded.values())`` -- no row disappears without
being counted under a reason from :data:`cxlib.contract.REASONS`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cxlib.contract import REASONS, TABLES
from cxlib.wording import count


@dataclass
class TableQuality:
    """Row accounting for one table.

    ``examples`` maps a reason to up to five offending source rows (with their
    1-based data-row number in ``_row``), as read, before typing. ``rows_in`` counts the
    rows checked: those the config's row filter (``where``) kept; ``rows_filtered`` the
    rows it left out, which are no problem and not in ``excluded``.
    """

    table: str
    origin: str
    rows_in: int
    rows_kept: int
    excluded: dict[str, int] = field(default_factory=dict)
    examples: dict[str, pd.DataFrame] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    rows_filtered: int = 0
    excluded_columns: dict[str, dict[str, int]] = field(default_factory=dict)
    """For reasons about one column (empty, unparseable): reason -> column -> rows."""

    @property
    def rows_excluded(self) -> int:
        """Rows excluded for any reason."""
        return sum(self.excluded.values())

    @property
    def balanced(self) -> bool:
        """True when rows in = rows kept + rows excluded."""
        return self.rows_in == self.rows_kept + self.rows_excluded

    def to_dict(self, examples: bool = False) -> dict[str, Any]:
        """The JSON form: ``{rows_in, rows_kept, excluded: {reason: count}}`` (+ details)."""
        out: dict[str, Any] = {
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "excluded": dict(self.excluded),
        }
        if self.rows_filtered:
            out["filtered_by_config"] = self.rows_filtered
        if examples:
            out["origin"] = self.origin
            out["encoding"] = self.encoding
            out["warnings"] = list(self.warnings)
            out["excluded_columns"] = {r: dict(c) for r, c in self.excluded_columns.items()}
            out["examples"] = {
                r: json.loads(df.to_json(orient="records", date_format="iso"))
                for r, df in self.examples.items()
            }
        return out


@dataclass
class QualityReport:
    """Data quality of one load: per-table accounting, absent tables, warnings."""

    source: str
    tables: dict[str, TableQuality] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """True when every table's rows are fully accounted for."""
        return all(t.balanced for t in self.tables.values())

    @property
    def rows_excluded(self) -> int:
        """Rows excluded over all tables."""
        return sum(t.rows_excluded for t in self.tables.values())

    def subset(self, tables: Iterable[str]) -> QualityReport:
        """The report of ``tables`` only: their accounting (shared, not copied), those of
        them missing, and the warnings that are not another table's.

        Examples
        --------
        >>> q = QualityReport("x", {"orders": TableQuality("orders", "o.csv", 2, 2)})
        >>> q.missing_tables, q.warnings = ["events", "mentions"], ["note"]
        >>> sub = q.subset({"events"})
        >>> sub.tables, sub.missing_tables, sub.warnings
        ({}, ['events'], ['note'])
        """
        keep = set(tables)
        others = {w for name, t in self.tables.items() if name not in keep for w in t.warnings}
        return QualityReport(
            self.source,
            {name: t for name, t in self.tables.items() if name in keep},
            [name for name in self.missing_tables if name in keep],
            [w for w in self.warnings if w not in others],
        )

    def to_dict(self, examples: bool = False) -> dict[str, Any]:
        """``{table: {rows_in, rows_kept, excluded: {reason: count}}}`` for every loaded table."""
        return {name: t.to_dict(examples) for name, t in self.tables.items()}

    def to_json(self, examples: bool = False, indent: int = 2) -> str:
        """The JSON form of :meth:`to_dict`."""
        return json.dumps(self.to_dict(examples), indent=indent, ensure_ascii=False)

    def summary_frame(self) -> pd.DataFrame:
        """One row per table and reason (reason "kept" for the kept rows)."""
        rows = []
        for name, t in self.tables.items():
            rows.append({"table": name, "reason": "kept", "rows": t.rows_kept})
            rows += [{"table": name, "reason": r, "rows": n} for r, n in t.excluded.items()]
        return pd.DataFrame(rows, columns=["table", "reason", "rows"])

    def sentences(self) -> list[str]:
        """Plain-language lines, one per table, for reports."""
        out = []
        for name, t in self.tables.items():
            line = f"{name}: {count(t.rows_in + t.rows_filtered)} rows read, "
            if t.rows_filtered:
                line += f"{count(t.rows_filtered)} left out by the config's row filter, "
            line += f"{count(t.rows_kept)} kept"
            if t.excluded:
                parts = ", ".join(
                    f"{count(n)} {r.replace('_', ' ')}" for r, n in t.excluded.items()
                )
                line += f", {count(t.rows_excluded)} excluded ({parts})"
            out.append(line + ".")
        if self.missing_tables:
            out.append("Not in the data: " + ", ".join(self.missing_tables) + ".")
        return out + list(self.warnings)

    def __str__(self) -> str:
        lines = [f"Data quality for {self.source}"]
        for name, t in self.tables.items():
            lines.append(
                f"  {name:<10} {count(t.rows_in):>10} in  {count(t.rows_kept):>10} kept  "
                f"{count(t.rows_excluded):>8} excluded   ({t.origin})"
            )
            if t.rows_filtered:
                lines.append(
                    f"      {count(t.rows_filtered):>8}  filtered by the config (tables.{name}.where;"
                    " not counted in 'in')"
                )
            for reason, n in t.excluded.items():
                named = _columns_named(t.excluded_columns.get(reason, {}))
                lines.append(f"      {count(n):>8}  {reason}{named}: {REASONS.get(reason, '')}")
                ex = t.examples.get(reason)
                if ex is not None and len(ex):
                    rows = ", ".join(str(r) for r in ex["_row"].tolist())
                    lines.append(f"                e.g. data rows {rows}")
        for name in self.missing_tables:
            lines.append(f"  {name:<10} not in the data ({TABLES[name].doc})")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table for notebooks; every value is escaped."""
        head = "<tr><th>table</th><th>rows in</th><th>kept</th><th>excluded</th><th>why</th></tr>"
        body = []
        for name, t in self.tables.items():
            why = (
                "; ".join(f"{count(n)} {r.replace('_', ' ')}" for r, n in t.excluded.items()) or "-"
            )
            body.append(
                f"<tr><td>{html.escape(name)}</td><td>{count(t.rows_in)}</td><td>{count(t.rows_kept)}</td>"
                f"<td>{count(t.rows_excluded)}</td><td>{html.escape(why)}</td></tr>"
            )
        notes = "".join(
            f"<p>{html.escape(s)}</p>"
            for s in (
                [f"Not in the data: {', '.join(self.missing_tables)}."]
                if self.missing_tables
                else []
            )
            + self.warnings
        )
        return f"<table class='cx-quality'>{head}{''.join(body)}</table>{notes}"


def _columns_named(columns: dict[str, int]) -> str:
    """`` (opened_at)`` for one column, `` (opened_at 10, resolved_at 2)`` for several.

    Examples
    --------
    >>> _columns_named({"opened_at": 12}), _columns_named({"a": 2, "b": 1}), _columns_named({})
    (' (opened_at)', ' (a 2, b 1)', '')
    """
    if not columns:
        return ""
    if len(columns) == 1:
        return f" ({next(iter(columns))})"
    ranked = sorted(columns.items(), key=lambda kv: (-kv[1], kv[0]))
    return " (" + ", ".join(f"{c} {count(n)}" for c, n in ranked) + ")"
