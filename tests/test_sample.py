"""Tests of the synthetic sample data set and its planted truths (cxlib.sample).

The checks recount everything with plain pandas from the written files, so they test what
a user of the folder sees, not the generator's internals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.sample import generate

N = 1_500
SEED = 7
STAGES = ["awareness", "consideration", "purchase", "usage", "loyalty"]
COLUMNS = {
    "customers": [
        "customer_id",
        "signup_date",
        "churned",
        "churn_date",
        "age",
        "gender",
        "region",
        "plan",
        "income_band",
        "preferred_channel",
        "monthly_revenue",
    ],
    "surveys": [
        "response_id",
        "customer_id",
        "responded_at",
        "survey",
        "score",
        "touchpoint",
        "channel",
        "comment",
    ],
    "tickets": [
        "ticket_id",
        "customer_id",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "channel",
        "category",
        "contacts",
    ],
    "events": ["customer_id", "timestamp", "stage", "touchpoint", "channel", "session_id"],
    "orders": ["order_id", "customer_id", "ordered_at", "amount"],
    "mentions": [
        "mention_id",
        "posted_at",
        "platform",
        "text",
        "likes",
        "shares",
        "comments",
        "customer_id",
    ],
}
REQUIRED = {
    "customers": ["customer_id", "signup_date"],
    "surveys": ["responded_at", "survey", "score"],
    "tickets": ["ticket_id", "customer_id", "opened_at", "channel"],
    "events": ["customer_id", "timestamp", "stage", "touchpoint"],
    "orders": ["order_id", "customer_id", "ordered_at", "amount"],
    "mentions": ["mention_id", "posted_at", "platform", "text"],
}
IDS = {
    "customers": "customer_id",
    "surveys": "response_id",
    "tickets": "ticket_id",
    "orders": "order_id",
    "mentions": "mention_id",
}
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 5)}
FILES = [f"{t}.csv" for t in COLUMNS] + ["TRUTH.json", "truth_personas.csv"]


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce", format="ISO8601", utc=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, customers=N, seed=SEED)
    return out


@pytest.fixture(scope="module")
def truth(folder: Path) -> dict:
    return json.loads((folder / "TRUTH.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: _read(folder, name) for name in COLUMNS}


@pytest.fixture(scope="module")
def valid(tables: dict[str, pd.DataFrame], truth: dict) -> dict[str, pd.DataFrame]:
    """Tables without the planted invalid rows, with parsed times (UTC)."""
    cu = tables["customers"].copy()
    cu["signup"] = _ts(cu["signup_date"])
    cu["churn"] = _ts(cu["churn_date"])
    bad = cu["churn"] < cu["signup"]
    cu = cu[~bad]
    ev = tables["events"][tables["events"]["customer_id"].isin(cu["customer_id"])].copy()
    ev["ts"] = _ts(ev["timestamp"])
    ti = tables["tickets"].copy()
    for col in ("opened_at", "first_response_at", "resolved_at"):
        ti[col] = _ts(ti[col])
    su = tables["surveys"].copy()
    su["ts"] = _ts(su["responded_at"])
    su["score"] = pd.to_numeric(su["score"])
    od = tables["orders"].copy()
    od["ts"] = _ts(od["ordered_at"])
    od["amount"] = pd.to_numeric(od["amount"])
    me = tables["mentions"].copy()
    me["ts"] = _ts(me["posted_at"])
    return {
        "customers": cu,
        "events": ev,
        "tickets": ti,
        "surveys": su,
        "orders": od,
        "mentions": me,
    }


# --- files, determinism, format -----------------------------------------------------------
def test_files_and_contract_columns(
    folder: Path, tables: dict[str, pd.DataFrame], truth: dict
) -> None:
    for name in FILES:
        assert (folder / name).is_file(), name
    for table, cols in COLUMNS.items():
        assert list(tables[table].columns) == cols, table
        assert len(tables[table]) == truth["row_counts"][table], table
    assert len(tables["customers"]) == N


def test_same_seed_gives_identical_files(folder: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", customers=N, seed=SEED)
    generate(tmp_path / "other", customers=N, seed=SEED + 1)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes(), name
    for name in FILES:
        if name != "TRUTH.json":  # the truth's structure is the same by design
            assert (tmp_path / "other" / name).read_bytes() != (folder / name).read_bytes(), name


def test_parquet_matches_csv(folder: Path, tmp_path: Path) -> None:
    truth = generate(tmp_path, customers=N, seed=SEED, fmt="parquet")
    for table in COLUMNS:
        pq = pd.read_parquet(tmp_path / f"{table}.parquet")
        csv = _read(folder, table)
        assert list(pq.columns) == COLUMNS[table]
        assert len(pq) == len(csv) == truth["row_counts"][table]
        assert (
            pq["customer_id"].dropna().astype(str).tolist() == csv["customer_id"].dropna().tolist()
        )


def test_bad_arguments_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        generate(tmp_path, customers=N, fmt="xlsx")
    with pytest.raises(ValueError, match="customers"):
        generate(tmp_path, customers=10)


def test_ids_keep_leading_zeros(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    ids = tables["customers"]["customer_id"]
    assert ids.str.fullmatch(r"\d{7}").all()
    assert ids.str.startswith("000").mean() > 0.5
    persona = pd.read_csv(folder / "truth_personas.csv", dtype={"customer_id": str})
    assert persona["customer_id"].tolist() == ids.tolist()
    for table, prefix in (("tickets", "T"), ("orders", "O"), ("surveys", "R"), ("mentions", "M")):
        assert tables[table][IDS[table]].str.fullmatch(prefix + r"\d+").all(), table
    assert tables["events"]["session_id"].notna().all()


def test_timestamps_are_iso_8601(tables: dict[str, pd.DataFrame]) -> None:
    pattern = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
    assert tables["events"]["timestamp"].str.fullmatch(pattern).all()
    assert tables["orders"]["ordered_at"].str.fullmatch(pattern).all()
    assert (
        tables["mentions"]["posted_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z").all()
    )
    assert tables["customers"]["signup_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    ts = _ts(tables["events"]["timestamp"])
    assert ts.min() >= pd.Timestamp("2024-10-01", tz="UTC")
    assert ts.max() < pd.Timestamp("2026-10-01", tz="UTC")


# --- invalid rows and validation rules ----------------------------------------------------
def _violations(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Every validation rule recounted with plain pandas (reason -> rows)."""
    out: dict[str, dict[str, int]] = {}
    known = set(tables["customers"]["customer_id"])
    for table, df in tables.items():
        v: dict[str, int] = {}
        v["missing_required"] = int(df[REQUIRED[table]].isna().any(axis=1).sum())
        if table in IDS:
            v["duplicate_id"] = int(df[IDS[table]].dropna().duplicated().sum())
        if table != "customers":
            given = df["customer_id"].notna()
            v["orphan_customer_id"] = int((given & ~df["customer_id"].isin(known)).sum())
        out[table] = v
    cu = tables["customers"]
    age = pd.to_numeric(cu["age"])
    out["customers"]["age_out_of_range"] = int(((age <= 0) | (age >= 120)).sum())
    out["customers"]["churn_before_signup"] = int(
        (_ts(cu["churn_date"]) < _ts(cu["signup_date"])).sum()
    )
    out["customers"]["negative_revenue"] = int((pd.to_numeric(cu["monthly_revenue"]) < 0).sum())
    out["customers"]["churn_flag_mismatch"] = int(
        ((cu["churned"] == "True") != cu["churn_date"].notna()).sum()
    )
    su = tables["surveys"]
    score = pd.to_numeric(su["score"])
    lo = su["survey"].map(lambda s: SCALES.get(s, (np.nan,))[0])
    hi = su["survey"].map(lambda s: SCALES.get(s, (0, np.nan))[1])
    out["surveys"]["score_out_of_range"] = int(((score < lo) | (score > hi)).sum())
    out["surveys"]["unknown_survey"] = int((~su["survey"].isin(SCALES)).sum())
    out["surveys"]["unparseable_date"] = int(_ts(su["responded_at"]).isna().sum())
    ti = tables["tickets"]
    opened = _ts(ti["opened_at"])
    out["tickets"]["response_before_open"] = int((_ts(ti["first_response_at"]) < opened).sum())
    out["tickets"]["resolved_before_open"] = int((_ts(ti["resolved_at"]) < opened).sum())
    out["tickets"]["contacts_below_one"] = int((pd.to_numeric(ti["contacts"]) < 1).sum())
    out["tickets"]["unparseable_date"] = int(opened.isna().sum())
    out["orders"]["negative_amount"] = int((pd.to_numeric(tables["orders"]["amount"]) < 0).sum())
    out["orders"]["unparseable_date"] = int(_ts(tables["orders"]["ordered_at"]).isna().sum())
    ev = tables["events"]
    out["events"]["unknown_stage"] = int((~ev["stage"].isin(STAGES)).sum())
    out["events"]["unparseable_date"] = int(_ts(ev["timestamp"]).isna().sum())
    out["mentions"]["unparseable_date"] = int(_ts(tables["mentions"]["posted_at"]).isna().sum())
    return out


def test_invalid_rows_are_exactly_the_planted_ones(
    tables: dict[str, pd.DataFrame], truth: dict
) -> None:
    found = _violations(tables)
    planted = truth["invalid_rows"]
    assert planted == {
        "customers": {"churn_before_signup": 2, "age_out_of_range": 2},
        "surveys": {"score_out_of_range": 3, "unparseable_date": 2},
        "tickets": {"response_before_open": 3},
        "orders": {"negative_amount": 2},
        "events": {"orphan_customer_id": 4},
    }
    for table, reasons in found.items():
        for reason, count in reasons.items():
            expected = planted.get(table, {}).get(reason, 0)
            assert count == expected, (table, reason)


# --- realism ------------------------------------------------------------------------------
def test_missing_values_and_text(tables: dict[str, pd.DataFrame]) -> None:
    cu, su = tables["customers"], tables["surveys"]
    assert 0.015 < cu["age"].isna().mean() < 0.05
    assert 0.03 < cu["income_band"].isna().mean() < 0.08
    assert 0.33 < su["comment"].isna().mean() < 0.47
    comments = su["comment"].dropna()
    assert comments.str.contains("<script>alert('x')</script>", regex=False).sum() == 1
    quoted = comments[comments.str.contains('"', regex=False) & comments.str.contains("\n")]
    assert len(quoted) == 1 and "," in quoted.iloc[0]
    assert comments.str.contains("ř|č|ě", regex=True).any()  # Czech / Slovene diacritics
    assert comments.str.contains("[\u4e00-\u9fff]", regex=True).any()  # Chinese
    assert comments.str.contains("ä|ö|ü|ß", regex=True).any()  # German
    english = comments.str.fullmatch(r"[\x20-\x7e\n]+")
    assert english.mean() > 0.5
    assert set(tables["events"]["channel"]) == {"web", "app", "email", "social", "phone", "store"}


def test_comment_themes_follow_scores(valid: dict[str, pd.DataFrame]) -> None:
    su = valid["surveys"]
    nps = su[(su["survey"] == "nps") & su["comment"].notna()]
    crash = nps["comment"].str.contains("crash|freez", case=False)
    friendly = nps["comment"].str.contains("friendly|lovely|kind people", case=False)
    assert nps.loc[crash, "score"].mean() < 5 < nps.loc[friendly, "score"].mean()


def test_orders_are_seasonal(valid: dict[str, pd.DataFrame]) -> None:
    per_month = valid["orders"]["ts"].dt.month.value_counts()
    assert per_month.idxmax() == 12
    assert per_month[[11, 12]].mean() > 1.3 * per_month.mean()
    assert per_month[[7, 8]].mean() < per_month.mean()


def test_tickets_mostly_answered_within_a_day(valid: dict[str, pd.DataFrame]) -> None:
    ti = valid["tickets"]
    fast = (ti["first_response_at"] - ti["opened_at"]) <= pd.Timedelta("24h")
    assert 0.7 < fast.mean() < 0.92
    assert 0.0 < ti["first_response_at"].isna().mean() < 0.1
    assert 0.05 < ti["resolved_at"].isna().mean() < 0.35


# --- journeys -----------------------------------------------------------------------------
def test_events_sorted_and_stages_in_order(valid: dict[str, pd.DataFrame]) -> None:
    ev = valid["events"]
    assert ev["customer_id"].is_monotonic_increasing
    assert (ev.groupby("customer_id")["ts"].diff().dropna() >= pd.Timedelta(0)).all()
    first = ev.groupby(["customer_id", "stage"])["ts"].min().unstack()[STAGES]
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        both = first[a].notna() & first[b].notna()
        assert (first.loc[both, a] <= first.loc[both, b]).all(), (a, b)
        assert (first[b].notna() <= first[a].notna()).all(), (a, b)
    per_customer = ev.groupby("customer_id").size()
    assert 18 < per_customer.mean() < 35


def test_no_activity_outside_the_customer_window(valid: dict[str, pd.DataFrame]) -> None:
    cu = valid["customers"].set_index("customer_id")
    churned = cu["churned"] == "True"
    assert cu.loc[~churned, "churn_date"].isna().all()
    assert (cu.loc[churned, "churn"] > cu.loc[churned, "signup"]).all()
    for table, col in (
        ("events", "ts"),
        ("orders", "ts"),
        ("surveys", "ts"),
        ("tickets", "opened_at"),
        ("tickets", "first_response_at"),
        ("tickets", "resolved_at"),
        ("mentions", "ts"),
    ):
        df = valid[table]
        df = df[df["customer_id"].isin(cu.index) & df[col].notna()]
        churn = cu["churn"].reindex(df["customer_id"]).to_numpy()
        signup = cu["signup"].reindex(df["customer_id"]).to_numpy()
        when = df[col].to_numpy()
        assert not (when >= churn).any(), (table, col)  # NaT compares False
        assert not (when < signup).any(), (table, col)


def _journey_table(ev: pd.DataFrame) -> pd.DataFrame:
    """Per touchpoint: visitors, journeys ending there, and quick repeats."""
    rank = ev["stage"].map({s: i for i, s in enumerate(STAGES)})
    last = ev.loc[ev.groupby("customer_id")["ts"].idxmax()]
    reached = rank.groupby(ev["customer_id"]).max()
    last_rank = last["stage"].map({s: i for i, s in enumerate(STAGES)})
    ended = last[last_rank.to_numpy() == reached.reindex(last["customer_id"]).to_numpy()]
    s = ev.sort_values(["customer_id", "touchpoint", "ts"])
    same = (s["customer_id"] == s["customer_id"].shift()) & (
        s["touchpoint"] == s["touchpoint"].shift()
    )
    quick = same & (s["ts"] - s["ts"].shift() < pd.Timedelta("1h"))
    out = pd.DataFrame(
        {
            "visitors": ev.groupby("touchpoint")["customer_id"].nunique(),
            "last": last["touchpoint"].value_counts(),
            # journey ends here without reaching a later stage (loyalty = completion)
            "abandon": ended.loc[ended["stage"] != "loyalty", "touchpoint"].value_counts(),
            "repeats_1h": quick.groupby(s["touchpoint"]).sum(),
            "visits": ev["touchpoint"].value_counts(),
        }
    ).fillna(0)
    out["abandon_share"] = out["abandon"] / out["visitors"]
    out["last_share"] = out["last"] / out["visitors"]
    out["repeat_rate"] = out["repeats_1h"] / out["visits"]
    return out


def test_payment_has_the_planted_abandonment(valid: dict[str, pd.DataFrame]) -> None:
    j = _journey_table(valid["events"])
    share = j["abandon_share"].sort_values(ascending=False)
    assert share.index[0] == "payment"
    assert share.iloc[0] > 0.12 and share.iloc[0] > 3 * share.iloc[1]
    # also when every journey end counts, loyalty included
    assert j["last_share"].idxmax() == "payment"
    # those who abandon at payment never ordered
    ev = valid["events"]
    last = ev.loc[ev.groupby("customer_id")["ts"].idxmax()]
    abandoned = set(last.loc[last["touchpoint"] == "payment", "customer_id"])
    assert not abandoned & set(valid["orders"]["customer_id"])


def test_billing_page_has_the_planted_loops_and_follow_ups(valid: dict[str, pd.DataFrame]) -> None:
    j = _journey_table(valid["events"])
    assert j["repeats_1h"].idxmax() == "billing_page"
    assert j["repeat_rate"].idxmax() == "billing_page"
    assert j["repeats_1h"].drop("billing_page").max() < 0.2 * j.loc["billing_page", "repeats_1h"]
    assert j.loc["app_login", "repeats_1h"] == 0  # healthy daily-ish use
    # follow-up: a ticket by the same customer within 48 h after the visit
    ev = valid["events"][["customer_id", "touchpoint", "ts"]].sort_values("ts")
    ti = valid["tickets"][["customer_id", "opened_at"]].sort_values("opened_at")
    m = pd.merge_asof(
        ev,
        ti,
        left_on="ts",
        right_on="opened_at",
        by="customer_id",
        direction="forward",
        tolerance=pd.Timedelta("48h"),
    )
    follow = m["opened_at"].notna().groupby(m["touchpoint"]).mean().sort_values()
    assert follow.index[-1] == "billing_page"
    assert follow.iloc[-1] > 2 * follow.iloc[-2]
    # answers about billing_page and payment are worse than elsewhere
    ces = valid["surveys"][valid["surveys"]["survey"] == "ces"]
    by_tp = ces.groupby("touchpoint")["score"].mean()
    rest = ces.loc[~ces["touchpoint"].isin(["billing_page", "payment"]), "score"].mean()
    assert by_tp.idxmin() == "payment"
    assert by_tp["billing_page"] < rest - 0.3


# --- churn --------------------------------------------------------------------------------
def test_churn_follows_the_planted_drivers(valid: dict[str, pd.DataFrame], truth: dict) -> None:
    cu = valid["customers"].set_index("customer_id")
    churned = cu["churned"] == "True"
    assert 0.18 < churned.mean() < 0.30
    assert abs(truth["churn_rate"] - churned.mean()) < 0.01
    directions = {d["driver"]: d["direction"] for d in truth["churn_drivers"]}
    assert directions == {
        "unresolved_tickets": "increases",
        "mean_ces": "decreases",
        "plan_basic": "increases",
    }
    ti = valid["tickets"]
    unresolved = ti[ti["resolved_at"].isna()].groupby("customer_id").size()
    has = unresolved.reindex(cu.index, fill_value=0) > 0
    assert churned[has].mean() > 1.8 * churned[~has].mean()
    su = valid["surveys"]
    ces = su[su["survey"] == "ces"].groupby("customer_id")["score"].mean().reindex(cu.index)
    assert ces.notna().mean() > 0.99
    q = pd.qcut(ces, 4, labels=False, duplicates="drop")
    assert churned[q == q.min()].mean() > 2 * churned[q == q.max()].mean()
    basic = cu["plan"] == "basic"
    assert churned[basic].mean() > churned[~basic].mean()


# --- personas -----------------------------------------------------------------------------
def _features(valid: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Simple per-customer aggregates, as a persona report would build them."""
    cu = valid["customers"].set_index("customer_id")
    end = cu["churn"].fillna(pd.Timestamp("2026-10-01", tz="UTC"))
    f = pd.DataFrame(index=cu.index)
    f["age"] = pd.to_numeric(cu["age"]).where(lambda a: (a > 0) & (a < 120))
    f["age"] = f["age"].fillna(f["age"].median())
    f["tenure_days"] = (end - cu["signup"]).dt.days
    f["monthly_revenue"] = pd.to_numeric(cu["monthly_revenue"])
    od = valid["orders"]
    f["orders_per_month"] = od.groupby("customer_id").size().reindex(f.index, fill_value=0) / (
        f["tenure_days"] / 30.44
    )
    f["mean_order_value"] = od.groupby("customer_id")["amount"].mean().reindex(f.index).fillna(0)
    ti = valid["tickets"]
    f["tickets"] = ti.groupby("customer_id").size().reindex(f.index, fill_value=0)
    unresolved = ti[ti["resolved_at"].isna()].groupby("customer_id").size()
    f["unresolved"] = unresolved.reindex(f.index, fill_value=0)
    su = valid["surveys"]
    for survey in ("nps", "csat", "ces"):
        mean = su[su["survey"] == survey].groupby("customer_id")["score"].mean()
        f[survey] = mean.reindex(f.index).fillna(mean.mean())
    digital = {"web", "app", "email", "social", "chat"}
    ev, ti = valid["events"], valid["tickets"]
    contacts = pd.concat([ev[["customer_id", "channel"]], ti[["customer_id", "channel"]]])
    share = contacts["channel"].isin(digital).groupby(contacts["customer_id"]).mean()
    f["digital_share"] = share.reindex(f.index).fillna(share.mean())
    return f


def test_persona_shares_match_truth(folder: Path, truth: dict) -> None:
    persona = pd.read_csv(folder / "truth_personas.csv", dtype={"customer_id": str})
    shares = persona["persona_id"].value_counts(normalize=True)
    assert [p["id"] for p in truth["personas"]] == [1, 2, 3, 4, 5]
    assert abs(sum(p["share"] for p in truth["personas"]) - 1) < 1e-9
    for p in truth["personas"]:
        assert abs(shares[p["id"]] - p["share"]) < 0.005, p["name"]


def test_personas_are_recoverable_by_kmeans(folder: Path, valid: dict[str, pd.DataFrame]) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score
    from sklearn.preprocessing import StandardScaler

    f = _features(valid)
    z = StandardScaler().fit_transform(f)
    persona = pd.read_csv(folder / "truth_personas.csv", dtype={"customer_id": str})
    labels = persona.set_index("customer_id")["persona_id"].reindex(f.index)
    fits = {k: KMeans(k, n_init=10, random_state=0).fit(z) for k in range(3, 8)}
    assert adjusted_rand_score(labels, fits[5].labels_) >= 0.8
    silhouette = {k: silhouette_score(z, m.labels_, random_state=0) for k, m in fits.items()}
    assert max(silhouette, key=silhouette.get) == 5
