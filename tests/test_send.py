"""Mailing a report run (cxlib.report.send) to a local SMTP server (aiosmtpd on loopback).

The subject carries the headline numbers, the body names the attachments (a link between
attachments does not open in a mail client), and the sample run's mail stays under 2 MB.
"""

from __future__ import annotations

import email
import json
import re
import socket
from email import policy
from pathlib import Path

import pytest

from cxlib import cli
from cxlib.report import publish as pub
from cxlib.report.send import MAIL_LIMIT_BYTES, SMTPSettings, build_message, send_run

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp():
    """A local SMTP server on 127.0.0.1; LOGIN/PLAIN accepted for user cx / secret."""

    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"cx",
            b"secret",
        )
        return AuthResult(success=ok)

    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=check, auth_require_tls=False
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture()
def run_folder(tmp_path: Path) -> Path:
    """A published run as the pipeline leaves it (index, two reports, manifest)."""
    out = tmp_path / "reports"
    run = out / "2025-01-06_070000"
    (run / "notebooks").mkdir(parents=True)
    (run / "index.html").write_text(
        "<html><body><h1>Index of the run</h1><a href='cx_scorecard.html'>CX scorecard</a>"
        " <a href='manifest.json'>manifest.json</a></body></html>"
    )
    (run / "cx_scorecard.html").write_text("<html><body>scorecard</body></html>")
    (run / "churn_drivers.html").write_text("<html><body>churn</body></html>")
    (run / "notebooks" / "cx_scorecard.ipynb").write_text("{}")
    manifest = {
        "run_id": run.name,
        "status": "succeeded",
        "kpis": {"nps": {"name": "NPS", "value": 12.04, "unit": "points"},
                 "csat": {"name": "CSAT", "value": 80.0, "unit": "%"}},
        "reports": [
            {"title": "CX scorecard", "status": "succeeded", "html": "cx_scorecard.html",
             "findings": ["NPS is 12.0 (95% CI 10.0 to 14.0, n=900 answers)."]},
            {"title": "Churn drivers", "status": "succeeded", "html": "churn_drivers.html",
             "findings": []},
            {"title": "Journey friction", "status": "skipped", "html": None, "findings": []},
        ],
    }  # fmt: skip
    (run / "manifest.json").write_text(json.dumps(manifest))
    pub.set_latest(out, run.name)
    return run


def test_send_latest_run_over_smtp(smtp, run_folder: Path, monkeypatch) -> None:
    inbox, port = smtp
    for key, value in {
        "CXLIB_SMTP_HOST": "127.0.0.1",
        "CXLIB_SMTP_PORT": str(port),
        "CXLIB_SMTP_USER": "cx",
        "CXLIB_SMTP_PASSWORD": "secret",
        "CXLIB_SMTP_FROM": "reports@example.com",
        "CXLIB_SMTP_STARTTLS": "0",
    }.items():
        monkeypatch.setenv(key, value)
    out = run_folder.parent
    code = cli.main(["send", "--run", "latest", "--out", str(out), "--to", "ceo@example.com",
                     "--to", "cx@example.com"])  # fmt: skip
    assert code == 0
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert sender == "reports@example.com"
    assert recipients == ["ceo@example.com", "cx@example.com"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "CX reports 2025-01-06: NPS 12.0, CSAT 80.0%"
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Index of the run" in html
    assert "CX scorecard <span class='cx-attached'>(attached: cx_scorecard.html)</span>" in html
    assert "href=" not in html  # no link between files: a mail client cannot follow it
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "CX scorecard: succeeded" in text and "NPS is 12.0" in text
    assert "Attached: cx_scorecard.html, churn_drivers.html." in text
    attachments = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert set(attachments) == {"cx_scorecard.html", "churn_drivers.html"}
    assert "scorecard" in attachments["cx_scorecard.html"]


def test_unreachable_server_fails_the_command(run_folder: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CXLIB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CXLIB_SMTP_PORT", str(_free_port()))  # nothing listens there
    monkeypatch.setenv("CXLIB_SMTP_TIMEOUT", "5")
    code = cli.main(["send", "--out", str(run_folder.parent), "--to", "x@example.com"])
    assert code == 1 and "error:" in capsys.readouterr().err


def test_settings_from_environment() -> None:
    s = SMTPSettings.from_env({"CXLIB_SMTP_HOST": "mail.example.com", "CXLIB_SMTP_PORT": "587",
                               "CXLIB_SMTP_USER": "me@example.com"})  # fmt: skip
    assert (s.host, s.port, s.starttls, s.ssl, s.sender) == (
        "mail.example.com", 587, True, False, "me@example.com",
    )  # fmt: skip
    s = SMTPSettings.from_env({"CXLIB_SMTP_SSL": "1"})
    assert (s.host, s.port, s.starttls, s.ssl) == ("localhost", 465, False, True)
    assert SMTPSettings.from_env({"CXLIB_SMTP_STARTTLS": "yes"}).starttls


def test_message_of_a_failed_run_says_so(run_folder: Path) -> None:
    manifest = json.loads((run_folder / "manifest.json").read_text())
    manifest["status"] = "failed"
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    msg = build_message(run_folder, ["a@example.com"], "r@example.com")
    assert msg["Subject"].startswith("CX reports 2025-01-06: INCOMPLETE, NPS 12.0")
    with pytest.raises(ValueError, match="recipient"):
        send_run("latest", [], out_dir=run_folder.parent, settings=SMTPSettings())


def test_send_never_attaches_notebooks_or_files_outside_the_run(run_folder: Path) -> None:
    private = run_folder.parent / "_private" / run_folder.name / "notebooks"
    private.mkdir(parents=True)
    (private / "churn_drivers.ipynb").write_text('{"rows": "jane@example.com"}')
    (run_folder.parent / "elsewhere.html").write_text("<html>not this run</html>")
    manifest = json.loads((run_folder / "manifest.json").read_text())
    manifest["reports"] += [
        {"title": "Raw", "status": "succeeded", "findings": [],
         "html": f"../_private/{run_folder.name}/notebooks/churn_drivers.ipynb"},
        {"title": "Other", "status": "succeeded", "findings": [], "html": "../elsewhere.html"},
        {"title": "Notebook", "status": "succeeded", "findings": [],
         "html": "notebooks/cx_scorecard.ipynb"},
    ]  # fmt: skip
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    msg = build_message(run_folder, ["a@example.com"], "r@example.com")
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert names == ["cx_scorecard.html", "churn_drivers.html"]
    assert "jane@example.com" not in msg.as_string()


def test_subject_names_the_change_since_the_last_run_and_the_alerts(run_folder: Path) -> None:
    out = run_folder.parent
    earlier = out / "2024-12-30_070000"
    earlier.mkdir()
    old = {"run_id": earlier.name, "status": "succeeded", "reports": [],
           "kpis": {"nps": {"name": "NPS", "value": 13.24, "unit": "points"}}}  # fmt: skip
    (earlier / "manifest.json").write_text(json.dumps(old))
    manifest = json.loads((run_folder / "manifest.json").read_text())
    manifest |= {"previous_run": earlier.name, "alerts": ["NPS fell", "CES fell"]}
    (run_folder / "manifest.json").write_text(json.dumps(manifest))
    msg = build_message(run_folder, ["a@example.com"], "r@example.com")
    assert msg["Subject"] == (
        "CX reports 2025-01-06: NPS 12.0 (−1.2 since the last run), CSAT 80.0%, 2 alerts"
    )


@pytest.mark.slow
def test_sample_run_mail_is_small_and_names_its_attachments(smtp, sample_reports, monkeypatch):
    """The sample run's mail, as a server receives it: under 2 MB, numbers in the subject,
    every report attached as an HTML file the body names."""
    inbox, port = smtp
    monkeypatch.setenv("CXLIB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CXLIB_SMTP_PORT", str(port))
    monkeypatch.setenv("CXLIB_SMTP_STARTTLS", "0")
    send_run(str(sample_reports), ["cx@example.com"], out_dir=sample_reports.parent)
    raw = inbox.messages[0][2]
    assert len(raw) <= MAIL_LIMIT_BYTES, f"the mail is {len(raw):,} bytes"
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert re.search(r"NPS [−\d][\d.,]*", msg["Subject"]), msg["Subject"]
    manifest = json.loads((sample_reports / "manifest.json").read_text())
    pages = [r["html"] for r in manifest["reports"] if r["status"] == "succeeded"]
    parts = list(msg.iter_attachments())
    assert [a.get_filename() for a in parts] == pages
    for part in parts:
        assert part.get_content_type() == "text/html" and part.is_attachment()
        assert "<img" in part.get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    for name in pages:
        assert f"(attached: {name})" in html and name in text
        assert f"href='{name}'" not in html
