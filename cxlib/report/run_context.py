"""The state of one report run: paths, parameters, the data's facts, and how files are saved.

:class:`RunContext` is what the pipeline's steps share: the build folder and its
``outputs/``, the private folder of its executed notebooks, the parameters each notebook gets, the header every page shows (data
source, period, generation time, cxlib version, parameters) and the manifest. Secrets
(a password in a database URL) never reach a published file: they are masked in the
executed notebooks, the pages and the manifest.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

import cxlib
from cxlib.actions.inputs import KPI_ALERTS_JSON
from cxlib.actions.tracking import HISTORY_FILE
from cxlib.io import outputs
from cxlib.io.readers import describe_source, is_sql_url
from cxlib.paths import PRIVATE_DIR, private_run_dir
from cxlib.report.publish import private_build_dir
from cxlib.report.registry import Report
from cxlib.report.results import NOTEBOOKS, OUTPUTS
from cxlib.wording import count

if TYPE_CHECKING:  # imported when the first notebook is saved (it takes seconds)
    import nbformat

RESERVED = frozenset({"data", "config", "output_dir", "memo"})
"""Parameters the runner sets itself (use --data/--config, not -p; ``memo`` is the run's
shared load, see :mod:`cxlib.io.memo`). ``personas_path`` is
set to the run's own ``personas.csv`` when the persona report wrote one; ``-p`` may point
it elsewhere."""


def parse_params(
    params: Mapping[str, Any] | Iterable[str] | None, declared: Mapping[str, set[str]]
) -> dict[str, dict[str, Any]]:
    """``{"*": {...}, "<report>": {...}}`` from ``key=value`` strings or a mapping.

    Values are read as YAML scalars (``5`` -> 5, ``true`` -> True, ``null`` -> None).
    ``report.key=value`` applies to that report only; ``key=value`` to every report that
    declares ``key``.

    Raises
    ------
    ValueError
        A malformed item, a reserved name, or a key no report to run declares.

    Examples
    --------
    >>> parse_params(["k=5", "churn.top=3"], {"personas": {"k"}, "churn": {"top"}})
    {'*': {'k': 5}, 'churn': {'top': 3}}
    """
    items: list[tuple[str, Any]] = []
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        for item in params or ():
            key, sep, value = str(item).partition("=")
            if not sep or not key.strip():
                raise ValueError(f"parameter {item!r} is not key=value")
            items.append((key.strip(), yaml.safe_load(value) if value.strip() else None))
    out: dict[str, dict[str, Any]] = {"*": {}}
    for key, value in items:
        report, _, name = key.rpartition(".")
        if name in RESERVED:
            raise ValueError(f"parameter {name!r} is set by the runner; use --{name} instead")
        if report:
            if report not in declared:
                raise ValueError(f"parameter {key!r}: no report {report!r} in this run")
            if name not in declared[report]:
                raise ValueError(
                    f"parameter {key!r}: report {report!r} has no parameter {name!r}; "
                    f"it has {sorted(declared[report] - RESERVED)}"
                )
            out.setdefault(report, {})[name] = value
        else:
            if not any(name in names for names in declared.values()):
                known = sorted(set().union(*declared.values()) - RESERVED)
                raise ValueError(f"no report in this run has a parameter {name!r}; known: {known}")
            out["*"][name] = value
    return out


def secrets_of(source: str) -> list[str]:
    """The password in a database URL (to be masked), as written and decoded; [] if none.

    Examples
    --------
    >>> secrets_of("postgresql+psycopg://cx:p%40ss@db/cx")
    ['p%40ss', 'p@ss']
    """
    if not is_sql_url(source):
        return []
    from urllib.parse import quote, unquote, urlsplit

    try:  # the postgres extra: SQLAlchemy's own reading of the URL
        from sqlalchemy.engine import make_url

        password = make_url(source).password
    except ImportError:  # without it the source cannot be read, but its secret is still masked
        raw = urlsplit(source).password
        password = unquote(raw) if raw else None
    if not password:
        return []
    forms = [quote(str(password), safe=""), str(password)]
    return [f for f in dict.fromkeys(forms) if f]


@dataclass
class RunContext:
    """Everything one run's steps share (see the module docstring)."""

    run_id: str
    build: Path
    out: Path
    source: str
    config: str | None
    user_params: dict[str, dict[str, Any]]
    declared: dict[str, set[str]]
    notebooks_dir: Path
    kernel_name: str
    timeout: float | None
    jobs: int
    say: Callable[[str], None]
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    t0: float = field(default_factory=time.perf_counter)
    load_error: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    period: tuple[Any, Any] | None = None
    tables: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    history: dict[str, Any] = field(default_factory=dict)
    quality: list[str] = field(default_factory=list)
    targets: dict[str, Any] = field(default_factory=dict)
    benchmarks: dict[str, Any] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    alert_error: str | None = None
    loaded: bool = False
    data_lock: Any = None

    @property
    def cache_dir(self) -> Path:
        return self.build / ".cache"

    @property
    def outputs(self) -> Path:
        path = self.build / OUTPUTS
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def private_build(self) -> Path:
        """Where this run's executed notebooks are written (renamed on publishing)."""
        return private_build_dir(self.out, self.run_id)

    @property
    def private_final(self) -> Path:
        """Where this run's executed notebooks are kept once published (never in the run)."""
        return private_run_dir(self.out, self.run_id)

    @property
    def private_notebooks(self) -> str:
        """The executed notebooks' folder as the manifest gives it (relative to the run)."""
        return f"../{PRIVATE_DIR}/{self.run_id}/{NOTEBOOKS}"

    def notebook_paths(self, report: Report) -> tuple[Path, str]:
        """(where the executed notebook is written, how the manifest names it)."""
        name = f"{report.stem}.ipynb"
        return self.private_build / NOTEBOOKS / name, f"{self.private_notebooks}/{name}"

    @property
    def source_label(self) -> str:
        return describe_source(self.source)

    @property
    def final(self) -> Path:
        return self.out / self.run_id

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def absorb(self, cx: Any) -> None:
        """Keep what the pages and the manifest need from the loaded data."""
        from cxlib.scorecard.history import kpi_history
        from cxlib.scorecard.kpis import headline_kpis
        from cxlib.scorecard.tables import monthly_trends

        self.period = cx.period()
        self.tables = {name: len(frame) for name, frame in cx.tables.items()}
        self.columns = {name: list(frame.columns) for name, frame in cx.tables.items()}
        self.kpis = headline_kpis(cx)
        trends = monthly_trends(cx)
        self.history = kpi_history(cx, trends=trends)  # the index tiles' months and changes
        self.quality = cx.quality.sentences()
        self.absorb_goals(cx, trends)
        self.loaded = True

    # --- targets and alerts -------------------------------------------------------------

    def absorb_goals(self, cx: Any, trends: Any) -> None:  # noqa: ANN401
        """The config's targets and benchmarks (for the tiles) and the KPI alerts
        (:func:`cxlib.actions.alerts.kpi_alerts`); an alert failure is said, not raised."""
        from cxlib.actions.alerts import kpi_alerts
        from cxlib.io.config import load_config

        config = load_config(self.config)
        self.targets = {
            k: {"value": t.value, "direction": t.direction} for k, t in config.targets.items()
        }
        self.benchmarks = {
            k: {"value": b.value, "source": b.source} for k, b in config.benchmarks.items()
        }
        try:
            self.alerts = kpi_alerts(cx, config, trends=trends)
            # for the action plan, which runs before the run's alerts are merged
            outputs.save(self.outputs, KPI_ALERTS_JSON, self.alerts)
        except Exception as exc:  # noqa: BLE001 - the reports still run; the index says why
            self.alert_error = f"{type(exc).__name__}: {exc}"
            self.say(f"the alerts could not be computed: {self.alert_error}")

    def collect_alerts(self, succeeded: Iterable[Report]) -> list[dict[str, Any]]:
        """The run's alerts: its own and the ``alerts`` of each succeeded report's summary
        (:func:`cxlib.actions.alerts.merge_alerts`), written to ``outputs/alerts.json``
        (``[]`` when there is none)."""
        from cxlib.actions.alerts import merge_alerts, write_alerts

        summaries = []
        for report in succeeded:
            try:
                data = json.loads((self.outputs / report.summary).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and (data.get("alerts") or data.get("alert_kinds")):
                summaries.append(data)
        merged = merge_alerts(self.alerts, summaries)
        write_alerts(self.outputs, merged)
        self.alerts = merged
        return merged

    # --- parameters ---------------------------------------------------------------------

    def parameters_for(self, report: Report, personas: Path) -> dict[str, Any]:
        """The parameters injected into ``report``'s notebook (only those it declares)."""
        names = self.declared.get(report.name, set())
        base: dict[str, Any] = {"data": self.source, "config": self.config}
        base["output_dir"] = str(self.outputs)
        base["history_path"] = str(self.out / HISTORY_FILE)  # the action plan's, read only
        if personas.is_file():
            base["personas_path"] = str(personas)
        params = {k: v for k, v in base.items() if k in names}
        params.update({k: v for k, v in self.user_params.get("*", {}).items() if k in names})
        params.update(self.user_params.get(report.name, {}))
        return params

    def mask(self, text: str) -> str:
        """``text`` with secrets masked and the build folder named as the final one."""
        for secret in secrets_of(self.source):
            text = text.replace(secret, "***")
        text = text.replace(str(self.private_build), str(self.private_final))
        return text.replace(str(self.build), str(self.final))

    def shown_parameters(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters as recorded in the manifest (masked, final paths)."""
        return {k: self.mask(v) if isinstance(v, str) else v for k, v in params.items()}

    def header(self, report: Report | None = None) -> dict[str, str]:
        """The facts under every page title."""
        period = (
            f"{self.period[0]:%Y-%m-%d} to {self.period[1]:%Y-%m-%d}" if self.period else "unknown"
        )
        chosen = dict(self.user_params.get("*", {}))
        if report is not None:
            chosen.update(self.user_params.get(report.name, {}))
        shown = ", ".join(f"{k}={v!r}" for k, v in chosen.items()) or "defaults"
        return {
            "Data source": self.source_label,
            "Config": self.config or "none (canonical names)",
            "Period covered": period,
            **(
                {"Customers": count(self.tables["customers"])} if "customers" in self.tables else {}
            ),
            "Generated": f"{self.started:%Y-%m-%d %H:%M} UTC",
            **({"Engine": "Spark"} if self.engine() == "spark" else {}),  # DuckDB: not said
            "cxlib version": cxlib.__version__,
            "Parameters": shown,
            "Run": self.run_id,
        }

    # --- files --------------------------------------------------------------------------

    def save_notebook(self, nb: nbformat.NotebookNode, path: Path) -> None:
        """Write an executed notebook (secrets masked, final paths)."""
        import nbformat

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.mask(nbformat.writes(nb)), encoding="utf-8")

    def save_html(self, nb: nbformat.NotebookNode, report: Report, path: Path) -> None:
        """Write a report's self-contained page."""
        from cxlib.report.html import report_html
        from cxlib.templates import render

        footer = render("report_footer.html.j2", version=cxlib.__version__)
        page = report_html(nb, self.header(report), title=report.title, footer=footer)
        path.write_text(self.mask(page), encoding="utf-8")

    def findings_of(self, report: Report) -> list[str]:
        """The first three ``findings`` of a report's summary JSON (none when unreadable)."""
        try:
            data = json.loads((self.outputs / report.summary).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        found = data.get("findings") if isinstance(data, dict) else None
        return [str(f) for f in found[:3]] if isinstance(found, list) else []

    def engine(self) -> str:
        """Where the run's heavy SQL ran (:func:`cxlib.engine.engine_name`): ``duckdb`` or
        ``spark``, or ``unknown`` when the config cannot be read (the load says why)."""
        from cxlib.engine import engine_name
        from cxlib.io.config import load_config

        try:
            return engine_name(load_config(self.config))
        except ValueError:  # ConfigError is one
            return "unknown"

    def manifest(
        self, status: str, reports: list[dict[str, Any]], previous: tuple[str, Any] | None
    ) -> dict[str, Any]:
        """The run's ``manifest.json`` content."""
        from cxlib.scorecard.kpis import kpis_to_dict

        finished = datetime.now(timezone.utc)
        manifest = {
            "run_id": self.run_id,
            "status": status,
            "started_at": self.started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_s": round(self.elapsed(), 3),
            "cxlib_version": cxlib.__version__,
            "python": sys.version.split()[0],
            "kernel": self.kernel_name,
            "jobs": self.jobs,
            "engine": self.engine(),
            "data": {
                "source": self.source_label,
                "config": self.config,
                "period": [str(p) for p in self.period] if self.period else None,
                "tables": self.tables,
                "inputs": self.inputs,
                "load_error": self.load_error,
                "quality": self.quality,
            },
            "parameters": self.user_params,
            "private_notebooks": self.private_notebooks,
            "reports": reports,
            "kpis": kpis_to_dict(self.kpis),
            "kpi_history": self.history,
            "targets": self.targets,
            "benchmarks": self.benchmarks,
            "alerts": [str(a["sentence"]) for a in self.alerts],
            "alert_error": self.alert_error,
            "previous_run": previous[0] if previous else None,
        }
        return _finite(json.loads(self.mask(json.dumps(manifest, default=str))))


def _finite(value: Any) -> Any:
    """NaN and infinities become None (strict JSON)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value
