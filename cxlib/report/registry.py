"""The reports: their names, notebooks, summary files, dependencies and required tables.

A report runs when its notebook exists in ``notebooks/``, so the pipeline grows as
report notebooks land. Every report notebook follows the report contract: a cell tagged
``parameters`` (``data``, ``config``, ``output_dir`` and, for reports that split by
persona, ``personas_path``) and a summary JSON in ``output_dir`` whose ``findings`` list
the report's top three findings as sentences.

Examples
--------
>>> [r.name for r in plan(["churn"], REPORTS)]
['personas', 'churn']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxlib.paths import NOTEBOOKS_DIR, PERSONAS_FILE


@dataclass(frozen=True)
class Report:
    """One report of the pipeline.

    Attributes
    ----------
    name : short name used on the command line (``--only churn``)
    notebook : notebook file name in the notebooks folder
    summary : summary JSON the notebook writes into ``output_dir`` (with ``findings``)
    title : shown on the index page and in the report header
    after : reports that run first when present (their outputs are read, e.g. personas.csv)
    provides : the output files of this report that later reports read; once they all
        exist (outputs are written atomically) those reports may start, while the rest of
        this notebook (its figures) still runs
    requires : tables the report cannot run without; ``requires_any``: at least one of them.
        A run on data lacking them skips the report (and says why) instead of failing it.
    requires_columns : ``(table, columns, what they tell)``: the loaded table must have at
        least one of the columns (churn needs ``churned`` or ``churn_date``: who left). Checked on the loaded
        data just before the report would start; lacking them skips it with the reason.
    """

    name: str
    notebook: str
    summary: str
    title: str
    after: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    requires_columns: tuple[tuple[str, tuple[str, ...], str], ...] = ()

    @property
    def stem(self) -> str:
        """The notebook name without ``.ipynb`` (the HTML and ipynb file names)."""
        return Path(self.notebook).stem

    def missing_tables(self, present: Iterable[str]) -> str | None:
        """Why the data cannot feed this report (a sentence), or None when it can."""
        have = set(present)
        lacking = [t for t in self.requires if t not in have]
        if lacking:
            return f"needs the {', '.join(lacking)} table(s), which the data does not have"
        if self.requires_any and not have.intersection(self.requires_any):
            return f"needs one of the tables {', '.join(self.requires_any)}; the data has none"
        return None

    def missing_columns(self, columns: Mapping[str, Iterable[str]]) -> str | None:
        """Why the loaded tables (``{table: column names}``) cannot feed this report, or None.

        Examples
        --------
        >>> churn = next(r for r in REPORTS if r.name == "churn")
        >>> churn.missing_columns({"customers": ["customer_id", "churn_date"]}) is None
        True
        >>> print(churn.missing_columns({"customers": ["customer_id", "age"]}))
        needs a column customers.churned or customers.churn_date (who left), which the data does not have; map one under tables.customers.columns in the config
        """
        for table, wanted, purpose in self.requires_columns:
            have = set(columns.get(table, ()))
            if not have.intersection(wanted):
                named = " or ".join(f"{table}.{c}" for c in wanted)
                return (
                    f"needs a column {named} ({purpose}), which the data does not have; "
                    f"map one under tables.{table}.columns in the config"
                )
        return None


REPORTS: tuple[Report, ...] = (
    Report(
        "personas",
        "persona_segmentation.ipynb",
        "persona_segmentation.json",
        "Customer personas",
        provides=(PERSONAS_FILE,),
        requires=("customers",),
    ),
    Report(
        "scorecard",
        "cx_scorecard.ipynb",
        "cx_scorecard.json",
        "CX scorecard",
        after=("personas",),
        requires_any=("surveys", "tickets"),
    ),
    Report(
        "churn",
        "churn_drivers.ipynb",
        "churn_drivers.json",
        "Churn drivers",
        after=("personas",),
        requires=("customers",),
        requires_columns=(("customers", ("churned", "churn_date"), "who left"),),
    ),
    Report(
        "journey",
        "journey_friction.ipynb",
        "journey_friction.json",
        "Journey friction",
        after=("personas",),
        requires=("events",),
    ),
    Report(
        "social",
        "social_listening.ipynb",
        "social_listening.json",
        "Social listening",
        requires=("mentions",),
    ),
    Report(
        "actions",
        "action_plan.ipynb",
        "action_plan.json",
        "CX action plan",
        after=("personas", "scorecard", "churn", "journey", "social"),
        requires_any=("customers", "surveys", "tickets", "events"),
    ),
)
"""Every report, in dependency order (a report's ``after`` reports come before it)."""


def available(
    reports: Sequence[Report] = REPORTS, notebooks_dir: str | Path = NOTEBOOKS_DIR
) -> list[Report]:
    """The reports whose notebook exists in ``notebooks_dir``."""
    folder = Path(notebooks_dir)
    return [r for r in reports if (folder / r.notebook).is_file()]


def plan(only: Iterable[str] | None, reports: Sequence[Report]) -> list[Report]:
    """The reports to run, in dependency order: ``only`` and what they need (all if None).

    Raises
    ------
    ValueError
        An unknown report name, or one whose notebook does not exist (yet).
    """
    by_name = {r.name: r for r in reports}
    if only is None:
        return list(reports)
    wanted = [n.strip() for item in only for n in str(item).split(",") if n.strip()]
    known = {r.name for r in REPORTS} | set(by_name)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValueError(f"unknown report(s) {unknown}; the reports are {sorted(known)}")
    absent = [n for n in wanted if n not in by_name]
    if absent:
        raise ValueError(f"no notebook yet for report(s) {absent}; available: {sorted(by_name)}")
    chosen: set[str] = set()

    def add(name: str) -> None:
        if name in chosen or name not in by_name:
            return
        chosen.add(name)
        for dep in by_name[name].after:
            add(dep)

    for name in wanted:
        add(name)
    return [r for r in reports if r.name in chosen]
