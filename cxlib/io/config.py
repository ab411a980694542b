"""The data-set config file.

:class:`DatasetConfig` is the YAML file that maps a user's file names, column
names and values onto the canonical ones of :mod:`cxlib.contract`.

A config file looks like this (every key optional)::

    name: telco                       # shown in reports
    timezone: Europe/Prague           # how to read datetimes without an offset
    stage_order: [awareness, consideration, purchase, usage, loyalty]
    outcomes:                         # journey report: events that end a journey by nature
      A_APPROVED: approved            # (touchpoint: outcome); a journey that reached one
      A_DECLINED: declined            # is not abandoned, and a log without stages gets a
    goal: approved                    # funnel of its outcomes; goal: the outcome(s) that
                                      # complete a journey (one name or a list)
    engine: spark                     # where the heavy SQL runs: duckdb (default) or spark
    spark: {master: "local[*]", conf: {spark.executor.memory: 4g}}   # Spark session settings
    scales: {nps: [0, 10], csat: [1, 5], ces: [1, 7]}   # only nps, csat, ces
    currency: EUR                     # ISO code of every amount (pages write €1.2k)
    labels: {billing_page: Billing page}   # how a touchpoint, stage or channel reads
                                      # (default: the name humanised, billing page)
    targets: {nps: 20, csat: {value: 80}}          # KPI targets, benchmarks, action owners
    benchmarks: {nps: {value: 32, source: "..."}}  # and service promises: see
    owners: {touchpoints: {payment: Payments team}}   # cxlib.io.goals
    service: {response_hours: 24, resolution_hours: 72}
    questions:                        # survey types beyond nps/csat/ces, kept and shown
      goal_completed: {scale: [0, 1]}                 # the scorecard's "other questions":
      enps: {scale: [0, 10], label: eNPS}             # top box on a 2-point scale, else
      importance: {scale: [1, 5], metric: top_box}    # the mean (metric: mean | top_box)
    tables:
      customers:
        file: Telco-Customer-Churn.csv   # relative to the data folder
        # table: crm.customers           # SQL/DuckDB sources: a table name ...
        # query: SELECT ...              # ... or a query
        columns: {customer_id: customerID, churned: Churn}   # canonical: source
        values: {churned: {"Yes": true, "No": false}}        # per canonical column
        constants: {plan: standard}      # a column the source lacks, one value for all
        expressions:                     # a column computed from source columns (DuckDB SQL)
          signup_date: "DATE '2020-01-01' - to_months(CAST(tenure AS INTEGER))"
        formats: {signup_date: "%d/%m/%Y"}                    # strptime formats
        drop: [TotalCharges]             # source columns not to keep (each must exist)
        where: "Contract <> 'Test'"     # keep only these rows (DuckDB SQL on source
                                         # columns), counted as filtered by the config
        # sheet: Customers               # an .xlsx file: the sheet (default: the first)
      events: null                       # do not load this table

Unknown keys are an error (a typo must not be silently ignored). A survey answer whose
``survey`` is neither nps, csat, ces nor a declared question is excluded as
``unknown_survey_type``; a declared question's answers are checked against its scale
(``score_out_of_range``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from cxlib.contract import DEFAULT_SCALES, DEFAULT_STAGE_ORDER, TABLES
from cxlib.io.goals import (
    Benchmark,
    Owners,
    ServicePromise,
    Target,
    parse_benchmarks,
    parse_owners,
    parse_service,
    parse_targets,
)

EXAMPLE_ROWS = 5
"""Example rows kept per table and row-problem reason in the quality report."""

_TABLE_KEYS = {
    "file",
    "table",
    "query",
    "columns",
    "values",
    "constants",
    "expressions",
    "formats",
    "drop",
    "where",
    "sheet",
}
_TOP_KEYS = {
    "name", "timezone", "stage_order", "scales", "questions", "tables", "outcomes", "goal",
    "engine", "spark", "currency", "labels", "targets", "benchmarks", "owners", "service",
}  # fmt: skip
_SPARK_KEYS = {"master", "conf"}
QUESTION_METRICS = ("mean", "top_box")
"""How a declared question is summarised: its mean answer, or the % in its top boxes."""
_QUESTION_KEYS = {"scale", "metric", "label"}


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class TableMapping:
    """How one canonical table is read from the user's data."""

    file: str | None = None
    table: str | None = None
    query: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    expressions: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    where: str | None = None
    sheet: str | None = None
    skip: bool = False

    def source_column(self, canonical: str) -> str:
        """The user's name for a canonical column (the canonical name if unmapped)."""
        return self.columns.get(canonical, canonical)


@dataclass(frozen=True)
class Question:
    """A survey question beyond nps/csat/ces: its scale, summary metric and label."""

    scale: tuple[int, int]
    metric: str = "mean"
    label: str = ""


@dataclass(frozen=True)
class DatasetConfig:
    """Everything needed to read one data set onto the contract."""

    name: str | None = None
    timezone: str = "UTC"
    stage_order: tuple[str, ...] = DEFAULT_STAGE_ORDER
    scales: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_SCALES))
    tables: dict[str, TableMapping] = field(default_factory=dict)
    path: Path | None = None
    questions: dict[str, Question] = field(default_factory=dict)
    """Declared questions by survey type (their scales are also in ``scales``)."""
    outcomes: dict[str, str] = field(default_factory=dict)
    """Journey outcome events: touchpoint -> outcome (see :mod:`cxlib.journey.log`)."""
    goal: tuple[str, ...] = ()
    """The outcome(s) that complete a journey."""
    engine: str | None = None
    """Where the heavy SQL runs (:mod:`cxlib.engine`); None: DuckDB unless CXLIB_ENGINE says."""
    spark: dict[str, Any] = field(default_factory=dict)
    """Spark session settings: ``master`` (URL) and ``conf`` (key: value)."""
    currency: str | None = None
    """ISO code of the data's money amounts (``EUR``), written by :func:`cxlib.wording.money`."""
    labels: dict[str, str] = field(default_factory=dict)
    """How a touchpoint, stage or channel name reads on a page (:func:`cxlib.wording.label`)."""
    targets: dict[str, Target] = field(default_factory=dict)
    """KPI targets by KPI key (:mod:`cxlib.io.goals`); none is invented."""
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)
    """Outside reference values by KPI key, each with its source."""
    owners: Owners = field(default_factory=Owners)
    """Who owns the actions on a touchpoint, ticket category, channel, stage or persona."""
    service: ServicePromise = field(default_factory=ServicePromise)
    """The first-response and resolution promises the service backlog is judged against."""

    def mapping(self, table: str) -> TableMapping:
        """The mapping for ``table`` (an identity mapping when the config has none)."""
        return self.tables.get(table, TableMapping())


def load_config(config: str | Path | dict | DatasetConfig | None) -> DatasetConfig:
    """Read a data-set config from a YAML file, a dict, or pass one through.

    Parameters
    ----------
    config : path, dict, DatasetConfig or None
        None gives the defaults (canonical names, UTC, default stages and scales).

    Raises
    ------
    ConfigError
        Unknown keys, an unknown table, or values of the wrong shape; the
        message names the file and the key.

    Examples
    --------
    >>> load_config({"timezone": "Europe/Prague"}).timezone
    'Europe/Prague'
    """
    if config is None:
        return DatasetConfig()
    if isinstance(config, DatasetConfig):
        return config
    raw, path = _read_raw(config)
    where = str(path) if path else "config"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys to values.")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}."
        )
    tables = {
        name: _table_mapping(where, name, spec) for name, spec in (raw.get("tables") or {}).items()
    }
    questions = _questions(where, raw.get("questions"))
    scales = _scales(where, raw.get("scales")) | {name: q.scale for name, q in questions.items()}
    timezone = _timezone(where, raw.get("timezone"))
    stages = tuple(str(s) for s in (raw.get("stage_order") or DEFAULT_STAGE_ORDER))
    if len(set(stages)) != len(stages):
        raise ConfigError(f"{where}: stage_order repeats a stage: {list(stages)}.")
    outcomes, goal = _journey_outcomes(where, raw.get("outcomes"), raw.get("goal"))
    engine, spark = _engine(where, raw.get("engine"), raw.get("spark"))
    currency, labels = _currency_labels(where, raw.get("currency"), raw.get("labels"))
    try:
        targets = parse_targets(raw.get("targets"), questions)
        benchmarks = parse_benchmarks(raw.get("benchmarks"), questions)
        owners, service = parse_owners(raw.get("owners")), parse_service(raw.get("service"))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}.") from exc
    return DatasetConfig(
        name=raw.get("name"),
        timezone=timezone,
        stage_order=stages,
        scales=scales,
        tables=tables,
        path=path,
        questions=questions,
        outcomes=outcomes,
        goal=goal,
        engine=engine,
        spark=spark,
        currency=currency,
        labels=labels,
        targets=targets,
        benchmarks=benchmarks,
        owners=owners,
        service=service,
    )


def _currency_labels(where: str, currency: Any, labels: Any) -> tuple[str | None, dict[str, str]]:  # noqa: ANN401
    """The config's ``currency`` (a three-letter ISO code) and ``labels`` (name -> label).

    >>> _currency_labels("config", "eur", {"billing_page": "Billing page"})
    ('EUR', {'billing_page': 'Billing page'})
    """
    code = None if currency is None else str(currency).strip().upper()
    if code is not None and not (len(code) == 3 and code.isalpha()):
        raise ConfigError(
            f"{where}: currency must be a three-letter ISO code (EUR), got {currency!r}."
        )
    if labels is not None and not isinstance(labels, dict):
        raise ConfigError(f"{where}: labels must be a mapping of name to label.")
    return code, {str(k): str(v) for k, v in (labels or {}).items()}


def _engine(where: str, engine: Any, spark: Any) -> tuple[str | None, dict[str, Any]]:  # noqa: ANN401
    """The config's ``engine`` (one of :data:`cxlib.engine.ENGINES`) and ``spark`` settings.

    >>> _engine("config", "Spark", {"master": "local[2]"})
    ('spark', {'master': 'local[2]'})
    """
    from cxlib.engine import ENGINES

    if engine is not None and str(engine).lower() not in ENGINES:
        raise ConfigError(f"{where}: engine {engine!r} is not one of {list(ENGINES)}.")
    spark = spark or {}
    if not isinstance(spark, dict) or set(spark) - _SPARK_KEYS:
        raise ConfigError(f"{where}: spark takes a mapping with {sorted(_SPARK_KEYS)}.")
    if not isinstance(spark.get("conf") or {}, dict):
        raise ConfigError(f"{where}: spark.conf must be a mapping of Spark settings.")
    return (None if engine is None else str(engine).lower()), dict(spark)


def _read_raw(config: str | Path | dict) -> tuple[Any, Path | None]:
    """The parsed YAML of a config file (or the dict given) and the file's path."""
    if isinstance(config, dict):
        return config, None
    path = Path(config)
    if not path.is_file():
        raise ConfigError(f"Config file {path} does not exist.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {path} is not valid YAML: {exc}") from exc


def _scales(where: str, given: Any) -> dict[str, tuple[int, int]]:
    """The answer scales of NPS, CSAT and CES: the defaults, overridden by ``scales:``."""
    scales = dict(DEFAULT_SCALES)
    for survey, rng in (given or {}).items():
        if survey not in DEFAULT_SCALES:
            raise ConfigError(
                f"{where}: scales.{survey}: scales are for {', '.join(DEFAULT_SCALES)}; "
                "declare another question under questions, e.g. "
                f"questions: {{{survey}: {{scale: [0, 10]}}}}."
            )
        scales[str(survey)] = _scale(where, f"scales.{survey}", rng)
    return scales


def _timezone(where: str, given: Any) -> str:
    """The IANA time zone naive datetimes are read in (UTC by default), checked."""
    timezone = str(given or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{where}: timezone {timezone!r} is not a known time zone; use an IANA name "
            "such as 'UTC' or 'Europe/Prague'."
        ) from exc
    return timezone


def _journey_outcomes(where: str, outcomes: Any, goal: Any) -> tuple[dict[str, str], tuple]:
    """Parse ``outcomes:`` (touchpoint -> outcome) and ``goal:`` (outcome names among them)."""
    if outcomes is not None and not isinstance(outcomes, dict):
        raise ConfigError(f"{where}: outcomes must be a mapping of touchpoint to outcome.")
    found = {str(k): str(v) for k, v in (outcomes or {}).items()}
    goals = (goal,) if isinstance(goal, str) else tuple(str(g) for g in (goal or ()))
    unknown = set(goals) - set(found.values())
    if unknown:
        raise ConfigError(
            f"{where}: goal {sorted(unknown)} is not one of the outcomes "
            f"{sorted(set(found.values()))}."
        )
    return found, goals


def _scale(where: str, key: str, rng: Any) -> tuple[int, int]:
    """``[low, high]`` as two whole numbers, low < high."""
    if not (
        isinstance(rng, (list, tuple))
        and len(rng) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in rng)
        and rng[0] < rng[1]
    ):
        raise ConfigError(f"{where}: {key} must be [low, high] (whole numbers), got {rng!r}.")
    return int(rng[0]), int(rng[1])


def _questions(where: str, spec: Any) -> dict[str, Question]:
    """Parse ``questions:``: survey type -> ``{scale: [low, high], metric, label}``.

    The survey type is matched lower-cased (as the surveys' ``survey`` column is read).
    ``metric`` defaults to ``top_box`` on a two-point scale (no/yes) and ``mean`` otherwise.
    """
    if not spec:
        return {}
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: questions must be a mapping of survey type to its scale.")
    out: dict[str, Question] = {}
    for name, q in spec.items():
        key, survey = f"questions.{name}", str(name).strip().lower()
        if survey in DEFAULT_SCALES or survey in out:
            raise ConfigError(
                f"{where}: {key}: {survey!r} is declared twice (nps, csat and ces are built in)."
            )
        if not isinstance(q, dict) or "scale" not in q or set(q) - _QUESTION_KEYS:
            raise ConfigError(
                f"{where}: {key} must be a mapping with scale (and optionally metric, label), "
                f"e.g. {{scale: [0, 10]}}; got {q!r}."
            )
        scale = _scale(where, f"{key}.scale", q["scale"])
        metric = q.get("metric") or ("top_box" if scale[1] - scale[0] == 1 else "mean")
        if metric not in QUESTION_METRICS:
            raise ConfigError(
                f"{where}: {key}.metric must be one of {list(QUESTION_METRICS)}, got {metric!r}."
            )
        out[survey] = Question(scale, metric, str(q.get("label") or name))
    return out


def _table_mapping(where: str, name: str, spec: Any) -> TableMapping:
    """Parse one ``tables.<name>`` entry of a config."""
    if name not in TABLES:
        raise ConfigError(f"{where}: unknown table {name!r}; the tables are {list(TABLES)}.")
    if spec is None or spec is False:
        return TableMapping(skip=True)
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: tables.{name} must be a mapping, got {spec!r}.")
    unknown = set(spec) - _TABLE_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: tables.{name} has unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(_TABLE_KEYS)}."
        )
    canonical = {c.name for c in TABLES[name].columns}
    for key in ("columns", "values", "constants", "expressions", "formats"):
        entry = spec.get(key) or {}
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: tables.{name}.{key} must be a mapping.")
        extra = set(entry) - canonical
        if extra and key != "columns":
            raise ConfigError(
                f"{where}: tables.{name}.{key} names non-canonical column(s) {sorted(extra)}; "
                f"canonical columns are {sorted(canonical)}."
            )
    for col, m in (spec.get("values") or {}).items():
        if not isinstance(m, dict):
            raise ConfigError(f"{where}: tables.{name}.values.{col} must be a mapping.")
        if any(isinstance(k, bool) or k is None for k in m):
            raise ConfigError(
                f"{where}: tables.{name}.values.{col} has a key YAML reads as true/false/null "
                f'(Yes, No, On, Off, ~ ...); quote it, e.g. "Yes": true.'
            )
    values = {
        str(col): {str(k): v for k, v in (m or {}).items()}
        for col, m in (spec.get("values") or {}).items()
    }
    return TableMapping(
        file=spec.get("file"),
        table=spec.get("table"),
        query=spec.get("query"),
        columns={str(k): str(v) for k, v in (spec.get("columns") or {}).items()},
        values=values,
        constants=dict(spec.get("constants") or {}),
        expressions={str(k): str(v) for k, v in (spec.get("expressions") or {}).items()},
        formats={str(k): str(v) for k, v in (spec.get("formats") or {}).items()},
        drop=tuple(str(c) for c in (spec.get("drop") or ())),
        where=_optional_text(where, name, spec, "where"),
        sheet=_optional_text(where, name, spec, "sheet"),
    )


def _optional_text(where: str, table: str, spec: dict, key: str) -> str | None:
    """``tables.<table>.<key>``: a non-empty text, or None when absent."""
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).strip():
        raise ConfigError(f"{where}: tables.{table}.{key} must be a text, got {value!r}.")
    return str(value)
