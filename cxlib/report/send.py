"""Mail a report run: the index page as the HTML body, the reports attached, over SMTP.

The subject carries the headline numbers and the alerts (``CX reports 2025-01-06: NPS
−27.9 (−1.2 since the last run), CSAT 42.9%, 2 alerts``); the body says which file holds
each report (``attached: churn_drivers.html``): links between files do not open in a mail
client, so the index's links to the attached pages become that text. Pages are attached
quoted-printable (their embedded images are base64 already: a second base64 would add a
third), which keeps the sample's mail under :data:`MAIL_LIMIT_BYTES`.

Only the run's HTML pages are attached (aggregates for leadership): never an executed
notebook, which shows customer-level rows and is kept out of the run folder
(``<out>/_private/<run-id>/``), nor any file outside the run folder.

The SMTP settings come from the environment, so a crontab line or a CI secret can hold
them and nothing is written to disk:

=========================  ===============================================================
``CXLIB_SMTP_HOST``        server name (default ``localhost``)
``CXLIB_SMTP_PORT``        port (default 25; 465 with SSL; 587 means STARTTLS by default)
``CXLIB_SMTP_USER``        login name (no login when empty)
``CXLIB_SMTP_PASSWORD``    login password
``CXLIB_SMTP_FROM``        sender address (default the user, else ``cxlib@<hostname>``)
``CXLIB_SMTP_STARTTLS``    1/0: upgrade the connection with STARTTLS (default 1 on port 587)
``CXLIB_SMTP_SSL``         1/0: implicit TLS from the start (port 465)
``CXLIB_SMTP_TIMEOUT``     seconds (default 60)
=========================  ===============================================================

Examples
--------
>>> send_run("latest", ["cx-team@example.com"])                 # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from markupsafe import Markup

from cxlib.paths import REPORTS_DIR
from cxlib.report import publish as pub
from cxlib.wording import value

_TRUE = {"1", "true", "yes", "on"}
MAIL_LIMIT_BYTES = 2_000_000
"""The largest mail a run should make (tests hold the sample's mail to it)."""
SUBJECT_KPIS = ("nps", "csat")
"""The headline KPIs the subject names (value and change since the last run)."""
_LINK = re.compile(r"<a href=(['\"])([^'\"]*)\1>(.*?)</a>", re.S)


@dataclass(frozen=True)
class SMTPSettings:
    """Where and how to send (see the module docstring for the variables)."""

    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SMTPSettings:
        """The settings from ``CXLIB_SMTP_*`` variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        use_ssl = env.get("CXLIB_SMTP_SSL", "").strip().lower() in _TRUE
        port = int(env.get("CXLIB_SMTP_PORT") or (465 if use_ssl else 25))
        tls_default = "1" if port == 587 else "0"
        user = env.get("CXLIB_SMTP_USER") or None
        return cls(
            host=env.get("CXLIB_SMTP_HOST") or "localhost",
            port=port,
            user=user,
            password=env.get("CXLIB_SMTP_PASSWORD") or None,
            sender=env.get("CXLIB_SMTP_FROM") or user or f"cxlib@{socket.getfqdn()}",
            starttls=env.get("CXLIB_SMTP_STARTTLS", tls_default).strip().lower() in _TRUE,
            ssl=use_ssl,
            timeout=float(env.get("CXLIB_SMTP_TIMEOUT") or 60),
        )


def build_message(
    run_dir: str | Path, to: Sequence[str], sender: str, subject: str | None = None
) -> EmailMessage:
    """The mail for one run: index page as HTML body (plain-text summary too), reports attached."""
    run = Path(run_dir)
    manifest = pub.read_manifest(run) or {}
    reports = manifest.get("reports", [])
    pages = report_pages(run, reports)
    status = "complete" if manifest.get("status") == "succeeded" else "INCOMPLETE"
    msg = EmailMessage()
    msg["Subject"] = subject or mail_subject(manifest, previous_kpis(run, manifest))
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = [f"CX reports, run {manifest.get('run_id', run.name)} ({status})", ""]
    for r in reports:
        lines.append(f"{r['title']}: {r['status']}")
        lines += [f"  - {f}" for f in r.get("findings") or []]
    attached = ", ".join(p.name for p in pages) or "none"
    lines += ["", f"Attached: {attached}. Open an attachment to read the report in a browser."]
    msg.set_content("\n".join(lines))
    index = run / "index.html"
    if index.is_file():
        body = attachment_links(index.read_text(encoding="utf-8"), {p.name for p in pages})
        msg.add_alternative(body, subtype="html", cte="quoted-printable")
    for path in pages:
        msg.add_attachment(
            path.read_text(encoding="utf-8"),
            subtype="html",
            filename=path.name,
            cte="quoted-printable",
        )
    return msg


def mail_subject(manifest: Mapping[str, object], before: Mapping[str, object] | None) -> str:
    """The subject: run date, headline KPIs with their change since the last run, alerts.

    Examples
    --------
    >>> now = {"nps": {"name": "NPS", "value": -27.85, "unit": "points"},
    ...        "csat": {"name": "CSAT", "value": 42.91, "unit": "%"}}
    >>> m = {"run_id": "2025-01-06_070000", "status": "succeeded", "kpis": now,
    ...      "alerts": ["a", "b"], "reports": []}
    >>> mail_subject(m, {"nps": {"value": -26.65}})
    'CX reports 2025-01-06: NPS −27.9 (−1.2 since the last run), CSAT 42.9%, 2 alerts'
    >>> mail_subject({"run_id": "r1", "status": "failed", "reports": [{"status": "failed"}]}, None)
    'CX reports r1: INCOMPLETE, 1 report failed'
    """
    kpis = manifest.get("kpis") or {}
    parts = []
    for key in SUBJECT_KPIS:
        k = kpis.get(key) if isinstance(kpis, Mapping) else None
        if not isinstance(k, Mapping):
            continue
        text = f"{k.get('name', key.upper())} {_signed(value(k.get('value'), str(k.get('unit'))))}"
        old = (before or {}).get(key)
        if isinstance(old, Mapping) and _number(old.get("value")) is not None:
            delta = value(_number(k.get("value")) - _number(old.get("value")))
            moved = delta.strip("-0.,") != ""
            text += (
                f" ({_signed(delta, plus=True)} since the last run)" if moved else " (unchanged)"
            )
        parts.append(text)
    reports = manifest.get("reports") or []
    failed = sum(1 for r in reports if isinstance(r, Mapping) and r.get("status") == "failed")
    if manifest.get("status") != "succeeded":
        parts.insert(0, "INCOMPLETE")
    if failed:
        parts.append(f"{failed} report{'s' * (failed != 1)} failed")
    alerts = manifest.get("alerts") or []
    if alerts:
        parts.append(f"{len(alerts)} alert{'s' * (len(alerts) != 1)}")
    run_id = str(manifest.get("run_id", ""))
    day = run_id[:10] if re.match(r"\d{4}-\d\d-\d\d", run_id) else run_id
    return f"CX reports {day}: " + ", ".join(parts) if parts else f"CX reports {day}"


def _number(x: object) -> float | None:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _signed(text: str, plus: bool = False) -> str:
    """A formatted number with the typographic minus (and ``+`` when asked)."""
    if text.startswith("-"):
        return "−" + text[1:]
    return ("+" + text) if plus and text[:1].isdigit() and text.strip("0.,%") else text


def previous_kpis(run: Path, manifest: Mapping[str, object]) -> dict[str, object] | None:
    """The headline KPIs of the previous run on the same data (its manifest), if kept."""
    previous = manifest.get("previous_run")
    if not previous:
        return None
    try:
        data = json.loads((run.parent / str(previous) / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    kpis = data.get("kpis") if isinstance(data, dict) else None
    return kpis if isinstance(kpis, dict) else None


def attachment_links(index_html: str, attached: set[str]) -> str:
    """The index page for a mail body: links to attached pages name the attachment
    (a mail client cannot follow a link between attachments); other local links become
    their text; links elsewhere are kept.

    >>> attachment_links("<a href='churn.html'>Churn</a> <a href='manifest.json'>m</a>",
    ...                  {"churn.html"})
    "Churn <span class='cx-attached'>(attached: churn.html)</span> m"
    """

    def fix(m: re.Match) -> str:
        href, text = m.group(2), m.group(3)
        if href in attached:
            return Markup("{} <span class='cx-attached'>(attached: {})</span>").format(
                Markup(text), href
            )
        if "://" in href or href.startswith(("mailto:", "#")):
            return m.group(0)
        return text

    return _LINK.sub(fix, index_html)


def report_pages(run: Path, reports: Sequence[Mapping[str, object]]) -> list[Path]:
    """The report pages to attach: HTML files inside the run folder, nothing else.

    A manifest entry naming a notebook or a file outside the run (``../_private/...``) is
    not attached, whatever the manifest says.
    """
    root, pages = run.resolve(), []
    for r in reports:
        if not r.get("html"):
            continue
        path = (run / str(r["html"])).resolve()
        if path.suffix.lower() == ".html" and path.parent == root and path.is_file():
            pages.append(path)
    return pages


def send_message(msg: EmailMessage, settings: SMTPSettings) -> None:
    """Deliver ``msg`` with ``settings`` (STARTTLS/SSL and login as configured)."""
    context = ssl.create_default_context()
    if settings.ssl:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with server:
        if settings.starttls and not settings.ssl:
            server.starttls(context=context)
        if settings.user:
            server.login(settings.user, settings.password or "")
        server.send_message(msg)


def send_run(
    run: str,
    to: Sequence[str],
    *,
    out_dir: str | Path = REPORTS_DIR,
    settings: SMTPSettings | None = None,
    subject: str | None = None,
) -> EmailMessage:
    """Mail run ``run`` (``latest``, a run id or a folder) to ``to``; returns the message."""
    if not to:
        raise ValueError("give at least one recipient (--to)")
    settings = settings or SMTPSettings.from_env()
    msg = build_message(pub.resolve_run(out_dir, run), to, settings.sender or "cxlib", subject)
    send_message(msg, settings)
    return msg
