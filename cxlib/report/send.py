"""Mail a report run: the index page as the HTML body, the reports attached, over SMTP.

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

import os
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from cxlib.paths import REPORTS_DIR
from cxlib.report import publish as pub

_TRUE = {"1", "true", "yes", "on"}


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
    status = "complete" if manifest.get("status") == "succeeded" else "INCOMPLETE"
    msg = EmailMessage()
    msg["Subject"] = subject or f"CX reports {manifest.get('run_id', run.name)} ({status})"
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = [f"CX reports, run {manifest.get('run_id', run.name)} ({status})", ""]
    for r in reports:
        lines.append(f"{r['title']}: {r['status']}")
        lines += [f"  - {f}" for f in r.get("findings") or []]
    lines += ["", "The reports are attached; open them in a browser."]
    msg.set_content("\n".join(lines))
    index = run / "index.html"
    if index.is_file():
        msg.add_alternative(index.read_text(encoding="utf-8"), subtype="html")
    for path in report_pages(run, reports):
        msg.add_attachment(path.read_bytes(), maintype="text", subtype="html", filename=path.name)
    return msg


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
