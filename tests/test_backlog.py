"""The service backlog (issue 16, item 3): counts equal a hand count on ten tickets."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cxlib
from cxlib.io.goals import ServicePromise
from cxlib.paths import private_outputs
from cxlib.scorecard import backlog as B

# As of 2025-03-31 12:00 (T10's resolution, the latest timestamp); promises 24 h and 72 h.
#       opened        first response  resolved      channel category   age at as-of
TEN = [
    ("T1", "03-01 12:00", None, None, "email", "billing"),  # 30 d: unanswered + open late
    ("T2", "03-20 12:00", "03-20 14:00", None, "chat", "billing"),  # 11 d: open late
    ("T3", "03-30 12:00", None, None, "email", "technical"),  # exactly 24 h: not late
    ("T4", "03-30 11:00", None, None, "phone", "technical"),  # 25 h: unanswered late
    ("T5", "03-25 12:00", "03-25 13:00", "03-26 12:00", "email", "billing"),  # took 24 h
    ("T6", "03-10 12:00", None, "03-12 12:00", "chat", "delivery"),  # 48 h, never answered
    ("T7", "03-27 12:00", "03-27 15:00", None, "phone", "delivery"),  # 96 h: open late
    ("T8", "03-28 13:00", "03-29 12:00", None, "phone", "billing"),  # 71 h: not late
    ("T9", "02-15 12:00", "02-15 18:00", "03-31 10:00", "email", "technical"),  # took 1,054 h
    ("T10", "03-31 06:00", "03-31 08:00", "03-31 12:00", "chat", "billing"),  # took 6 h
]
# Hand count, 24 h / 72 h:
#   unanswered past 24 h: T1 (30 d), T4 (25 h)              -> 2, oldest 30 d
#   open past 72 h:       T1 (30 d), T2 (11 d), T7 (4 d)   -> 3, oldest 30 d, median 11 d,
#                         billing 2 (T1, T2), delivery 1; channels email, chat, phone 1 each
#   open tickets (no resolved_at): T1 T2 T3 T4 T7 T8 -> 6; T6 resolved but never answered.
# Without a resolution target: resolved times 6, 24, 48, 1,054 h; 90% of 4 needs all 4:
#   1,054 h, and no open ticket is older (T1: 720 h).


def _ts(x: str | None) -> pd.Timestamp:
    return pd.Timestamp(f"2025-{x}") if x else pd.NaT


def ten() -> pd.DataFrame:
    t = pd.DataFrame(
        TEN,
        columns=[
            "ticket_id",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "channel",
            "category",
        ],
    )
    for c in ("opened_at", "first_response_at", "resolved_at"):
        t[c] = t[c].map(_ts).astype("datetime64[ns]")
    return t.assign(customer_id=[f"C{i:03d}" for i in range(len(t))], contacts=1)


AS_OF = pd.Timestamp("2025-03-31 12:00")


def test_backlog_equals_the_hand_count() -> None:
    bl = B.service_backlog(ten(), ServicePromise(24, 72))
    assert bl.as_of == AS_OF and bl.total == 10 and bl.open_tickets == 6
    assert sorted(bl.of("response")["ticket_id"]) == ["T1", "T4"]
    assert sorted(bl.of("resolution")["ticket_id"]) == ["T1", "T2", "T7"]
    assert bl.count("response") == 2 and bl.count("resolution") == 3
    assert bl.oldest("response") == pytest.approx(30.0) and bl.oldest("resolution") == 30.0
    assert bl.of("response").set_index("ticket_id")["age_days"]["T4"] == pytest.approx(25 / 24)
    assert bl.notes == ["1 ticket is resolved with no first response (not counted as waiting)."]
    table = B.backlog_table(bl).set_index(["promise", "dimension", "group"])
    assert table.loc[("resolution", "all", "all"), "tickets"] == 3
    assert table.loc[("resolution", "all", "all"), "median_age_days"] == pytest.approx(11.0)
    assert table.loc[("resolution", "category", "billing"), "tickets"] == 2
    assert table.loc[("resolution", "category", "billing"), "share"] == pytest.approx(200 / 3)
    assert table.loc[("resolution", "category", "delivery"), "oldest_age_days"] == 4.0
    assert table.loc[("response", "channel", "phone"), "tickets"] == 1
    assert {"ticket_id", "customer_id"}.isdisjoint(B.backlog_table(bl).columns)
    assert B.backlog_sentences(bl) == [
        "3 tickets are still open past the 72-hour resolution target as of 2025-03-31 "
        "(50.0% of the 6 open tickets); the oldest has waited 30.0 days; billing holds 2 of them.",
        "2 tickets are still unanswered past the 24-hour response promise as of 2025-03-31 "
        "(33.3% of the 6 open tickets); the oldest has waited 30.0 days; billing holds 1 of them.",
    ]


def test_without_a_resolution_target_the_data_gives_one_and_says_so() -> None:
    bl = B.service_backlog(ten(), ServicePromise(24))
    limit = bl.thresholds["resolution"]
    assert limit.source == "data" and limit.hours == pytest.approx(1054.0)
    assert bl.count("resolution") == 0  # T1, the oldest open ticket, has waited 720 h
    sentences = B.backlog_sentences(bl)
    assert sentences[0].startswith("No ticket is still open past 1,054 hours (the time 90% of")
    assert sentences[1] == (
        "The config sets no resolution target: 90% of the 4 resolved tickets were resolved "
        "within 43.9 days, which the backlog uses."
    )
    record = B.backlog_record(bl)
    assert record["resolution"]["source"] == "data" and record["resolution"]["tickets"] == 0
    assert B.service_backlog(ten(), ServicePromise(24, 200)).count("resolution") == 2  # T1, T2


def test_edge_cases() -> None:
    for none in (None, ten().iloc[:0]):
        bl = B.service_backlog(none, ServicePromise(24, 72))
        assert bl.count("response") is None and bl.count("resolution") is None
        assert B.backlog_sentences(bl)[0].startswith("There is no service backlog to measure")
        assert B.backlog_table(bl).empty and B.backlog_record(bl)["response"]["tickets"] is None
    done = ten().assign(
        first_response_at=lambda t: t["opened_at"], resolved_at=lambda t: t["opened_at"]
    )
    bl = B.service_backlog(done, ServicePromise(24, 72))  # no open ticket
    assert (bl.count("response"), bl.count("resolution"), bl.open_tickets) == (0, 0, 0)
    assert B.backlog_sentences(bl)[0] == (
        "No ticket is still open past the 72-hour resolution target as of 2025-03-31."
    )
    assert B.backlog_table(bl)["tickets"].tolist() == [0, 0]
    unanswered = ten().assign(first_response_at=pd.NaT, resolved_at=lambda t: t["opened_at"])
    bl = B.service_backlog(unanswered, ServicePromise(24, 72))  # all resolved, none answered
    assert bl.count("response") == 0 and bl.notes == [
        "10 tickets are resolved with no first response (not counted as waiting)."
    ]
    bl = B.service_backlog(ten().drop(columns="first_response_at"), ServicePromise(24, 72))
    assert bl.judged == ("resolution",) and bl.count("resolution") == 3
    assert bl.count("response") is None
    assert bl.notes == [
        "The tickets have no first_response_at column: the response promise is not judged."
    ]
    bl = B.service_backlog(ten().drop(columns="resolved_at"), ServicePromise(24, 72))
    assert bl.judged == ("response",) and bl.open_tickets is None
    # the data now ends at T10's first response (03-31 08:00): T4 has waited 21 h only, and
    # T6 counts, as nothing says it was resolved
    assert bl.as_of == pd.Timestamp("2025-03-31 08:00")
    assert sorted(bl.of("response")["ticket_id"]) == ["T1", "T6"]
    missing = ten()
    missing.loc[0, "opened_at"] = pd.NaT
    bl = B.service_backlog(missing, ServicePromise(24, 72))
    assert bl.count("resolution") == 2 and bl.count("response") == 1  # T1 is not judged
    assert bl.notes[0] == "1 ticket has no opened_at: not judged." and bl.total == 9


def test_column_names_are_keyword_arguments() -> None:
    t = ten().rename(columns={"opened_at": "created", "category": "topic"})
    bl = B.service_backlog(t, ServicePromise(24, 72), opened_at="created", category="topic")
    assert bl.count("resolution") == 3
    assert B.backlog_table(bl).query("dimension == 'category'")["group"].iloc[0] == "billing"


def test_private_id_list_has_no_customer_ids_and_is_not_published(tmp_path: Path) -> None:
    out = tmp_path / "run" / "outputs"
    bl = B.service_backlog(ten(), ServicePromise(24, 72))
    path = B.save_backlog_ids(bl, out)
    assert path == private_outputs(out) / B.BACKLOG_IDS_CSV
    assert out not in path.parents and not (out / B.BACKLOG_IDS_CSV).exists()
    ids = pd.read_csv(path)
    assert list(ids.columns) == [
        "ticket_id",
        "opened_at",
        "channel",
        "category",
        "promise_broken",
        "age_days",
    ]
    assert ids["ticket_id"].tolist() == ["T1", "T2", "T7", "T4"]  # oldest first, once each
    assert ids.set_index("ticket_id")["promise_broken"]["T1"] == "response and resolution"
    text = path.read_text()
    assert not any(c in text for c in ten()["customer_id"])


def test_scorecard_outputs_carry_the_backlog_aggregates_only(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    ten().to_csv(folder / "tickets.csv", index=False)
    cx = cxlib.load(folder, {"service": {"response_hours": 24, "resolution_hours": 72}})
    bl = B.scorecard_backlog(cx)
    assert bl.count("resolution") == 3 and bl.thresholds["resolution"].source == "config"
    frame = B.backlog_tickets(cx)
    assert list(frame.columns) == ["ticket_id", "customer_id", "channel", "category", "kind"]
    assert len(frame) == 5
    from cxlib import scorecard

    kpis = scorecard.headline_kpis(cx)
    trends, table = scorecard.monthly_trends(cx), scorecard.breakdown(cx)
    out = tmp_path / "run" / "outputs"
    scorecard.save_outputs(out, kpis, trends, table, None, cx.period(), backlog=bl)
    summary = json.loads((out / "cx_scorecard.json").read_text())
    assert summary["backlog"]["resolution"]["tickets"] == 3
    assert summary["backlog"]["resolution"]["hours"] == 72
    assert summary["backlog"]["response"]["oldest_days"] == pytest.approx(30.0)
    published = "".join(p.read_text() for p in out.iterdir())
    assert not any(i in published for i in ("T1,", "T4,", "C000"))
    assert (out / B.BACKLOG_CSV).is_file()
    assert (private_outputs(out) / B.BACKLOG_IDS_CSV).is_file()
