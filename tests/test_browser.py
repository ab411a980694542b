"""The published pages in a real browser: injected customer text stays text, nothing runs.

A small sample gets HTML-injection markup in survey comments, in a touchpoint name (in
surveys and events) and, when the persona report exists, in a persona name (its ``names``
override). Every report is run on it and each page is opened in Debian's headless
Chromium driven by Playwright: no dialog, no console error, no script element, no
``onerror`` attribute, no request leaving the file, images embedded, the injected text
visible as text, the page fitting a phone's width. The index page is screenshotted.

Every page of the default sample run, and of the Telco, NPS-survey and helpdesk runs when
``../shared`` holds them, is read as a leader would on a 390 px phone: no sideways page
scroll, every chart's alt text says what it shows (never "Figure"), its smallest text at
least 10 px on screen, and (on the sample) a finding with a number on the first screen.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cxlib.paths import NOTEBOOKS_DIR
from cxlib.report import registry
from cxlib.report.html import PHONE_TEXT_PX, png_facts
from cxlib.report.params import declared_parameters
from cxlib.report.pipeline import run_reports
from cxlib.templates import FIGURE_FONT_TAG

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PLACEHOLDER_ALTS = {
    "",
    "figure",
    "chart",
    "image",
    "no description has been provided for this image",
}
FIRST_SCREEN = ".cx-findings li, .cx-kpi .value"
"""Where a page states a finding: the findings boxes, the index's KPI tiles."""
REAL_RUNS = {
    "telco": ("telco_churn", "configs/telco.yaml"),
    "nps_verbatims": ("nps_verbatims_textsummary", "configs/nps_verbatims.yaml"),
    "helpdesk": ("eventlog_helpdesk", "configs/helpdesk.yaml"),
}
"""The real runs every page of which must read on a phone (folders of ../shared/data/real)."""

pytestmark = pytest.mark.slow


def _chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def injected_run(tmp_path_factory: pytest.TempPathFactory):
    """All reports run on a 600-customer sample with markup planted in customer text."""
    from cxlib.sample import generate

    data = tmp_path_factory.mktemp("injected")
    generate(data, customers=600, seed=11)
    surveys = pd.read_csv(data / "surveys.csv", dtype=str, keep_default_na=False)
    nps = surveys["survey"] == "nps"
    score = pd.to_numeric(surveys["score"], errors="coerce")
    detractors = surveys.index[nps & (score <= 6)][::3]
    promoters = surveys.index[nps & (score >= 9)][::3]
    surveys.loc[detractors, "comment"] = f"Terrible app {IMG} crashes every time"
    surveys.loc[promoters, "comment"] = f"Great staff {SCRIPT} helped me"
    surveys["touchpoint"] = surveys["touchpoint"].replace("payment", IMG)
    surveys.to_csv(data / "surveys.csv", index=False)
    events = pd.read_csv(data / "events.csv", dtype=str, keep_default_na=False)
    events["touchpoint"] = events["touchpoint"].replace("payment", IMG)
    events.to_csv(data / "events.csv", index=False)
    params = []
    personas = NOTEBOOKS_DIR / "persona_segmentation.ipynb"
    if personas.is_file() and "names" in declared_parameters(personas):
        params.append("personas.names={1: '" + IMG + "'}")
    out = tmp_path_factory.mktemp("reports")
    result = run_reports(data, out_dir=out, params=params, echo=lambda s: None)
    return result


def test_injected_markup_never_runs(injected_run, tmp_path: Path) -> None:
    sync_api = _chromium()
    result = injected_run
    assert result.exit_code == 0, [
        (r.report.name, r.status, r.error, r.message) for r in result.reports
    ]
    pages = ["index.html"] + [f"{r.stem}.html" for r in registry.available()]
    shown = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for name in pages:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                dialogs, errors, requests = [], [], []
                page.on("dialog", lambda d, acc=dialogs: (acc.append(d.message), d.dismiss()))
                page.on("console", lambda m, acc=errors: m.type == "error" and acc.append(m.text))
                page.on("pageerror", lambda e, acc=errors: acc.append(str(e)))
                page.on("request", lambda r, acc=requests: acc.append(r.url))
                page.goto((result.path / name).as_uri())
                page.wait_for_load_state("load")
                page.wait_for_timeout(300)  # a handler would have fired by now
                assert dialogs == [], f"{name}: a dialog opened: {dialogs}"
                assert errors == [], f"{name}: console errors: {errors}"
                assert page.evaluate("document.querySelectorAll('script').length") == 0
                assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
                srcs = page.evaluate("[...document.images].map(i => i.getAttribute('src'))")
                assert all(s.startswith("data:image/") for s in srcs), f"{name}: {srcs[:3]}"
                leaving = [u for u in requests if not u.startswith(("file:", "data:"))]
                assert leaving == [], f"{name} requested {leaving}"
                shown[name] = page.inner_text("body")
                if name == "index.html":
                    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
                page.set_viewport_size(PHONE)
                assert phone_problems(page) == [], name
                page.close()
        finally:
            browser.close()
    assert (tmp_path / "index.png").stat().st_size > 10_000
    scorecard = shown.get("cx_scorecard.html", "")
    if scorecard:  # the planted markup is shown as text: comments and the touchpoint name
        assert IMG in scorecard and SCRIPT in scorecard
        assert f"touchpoint '{IMG}'" in scorecard
    assert any(IMG in text for text in shown.values())


def phone_problems(page) -> list[str]:
    """What keeps an open page from reading on a 390 px phone (the viewport is set here).

    Sideways page scroll, an image whose alt text is a placeholder ("Figure"), a chart
    whose smallest text (recorded in its PNG by cxlib.plots) shows below 10 px.
    """
    page.set_viewport_size(PHONE)
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"] + 1:
        problems.append(f"the page is {width}px wide on a {PHONE['width']}px phone")
    images = page.evaluate(
        "[...document.images].map(i => [i.getAttribute('alt') || '', i.getAttribute('src'),"
        " i.naturalWidth, i.getBoundingClientRect().width])"
    )
    for alt, src, natural, shown in images:
        if alt.strip().lower() in PLACEHOLDER_ALTS or len(alt) < 20:
            problems.append(f"an image's alt text says nothing: {alt!r}")
        font = _png_font(src)
        if font is None:
            problems.append(f"a chart does not record its smallest text: {alt[:60]!r}")
        elif natural and shown * font / natural < PHONE_TEXT_PX - 0.05:
            problems.append(f"text of {shown * font / natural:.1f}px in {alt[:60]!r}")
    return problems


def _png_font(src: str) -> float | None:
    """The smallest text of an embedded PNG in image pixels (None when not recorded)."""
    data = src.partition("base64,")[2] if src.startswith("data:image/png") else ""
    recorded = png_facts(data)[1].get(FIGURE_FONT_TAG)
    return float(recorded) if recorded else None


def _first_screen_numbers(page) -> list[str]:
    """The findings (or KPI values) with a digit that show on the first phone screen."""
    return page.evaluate(
        f"[...document.querySelectorAll({FIRST_SCREEN!r})]"
        f".filter(e => e.getBoundingClientRect().top < {PHONE['height']} && /\\d/.test(e.innerText))"
        ".map(e => e.innerText)"
    )


def _read_every_page(
    run: Path, shots: Path | None = None, first_screen: bool = False
) -> dict[str, list[str]]:
    """Each page of a run opened at 1280 px and 390 px: its phone problems (empty = fine),
    and with ``first_screen`` whether the first phone screen shows a finding with a number."""
    sync_api = _chromium()
    found = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for path in sorted(run.glob("*.html")):
                page = browser.new_page(viewport=DESKTOP)
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                if shots is not None:
                    page.screenshot(path=str(shots / f"{path.stem}_1280.png"), full_page=True)
                found[path.name] = phone_problems(page)
                if shots is not None:
                    page.screenshot(path=str(shots / f"{path.stem}_390.png"))
                if first_screen and not _first_screen_numbers(page):
                    found[path.name].append("no finding with a number on the first screen")
                page.close()
        finally:
            browser.close()
    return found


def test_sample_pages_answer_first_on_a_phone(sample_reports: Path, tmp_path: Path) -> None:
    """Every page of the sample run: readable at 390 px, a numbered finding on screen one."""
    found = _read_every_page(sample_reports, shots=tmp_path, first_screen=True)
    assert len(found) >= 2, f"pages of the run: {sorted(found)}"
    assert {name: p for name, p in found.items() if p} == {}
    assert all(re.fullmatch(r"[\w.]+", name) for name in found)
    assert (tmp_path / "index_390.png").stat().st_size > 10_000


@pytest.mark.parametrize("name", sorted(REAL_RUNS))
def test_real_runs_read_on_a_phone(name: str, shared_dir: Path, tmp_path: Path) -> None:
    """The Telco, NPS-survey and helpdesk runs: every page readable at 390 px."""
    folder, config = REAL_RUNS[name]
    data = shared_dir / "data" / "real" / folder
    if not data.is_dir():
        pytest.skip(f"{data} is absent")
    result = run_reports(data, config, out_dir=tmp_path / "out", echo=lambda line: None)
    assert result.exit_code == 0, [(r.report.name, r.status, r.message) for r in result.reports]
    found = _read_every_page(result.path)
    assert len(found) >= 2, f"pages of the run: {sorted(found)}"
    assert {page: p for page, p in found.items() if p} == {}


def test_placeholder_alt_text_is_caught() -> None:
    """The check itself fails on the old placeholder alt text and on unrecorded charts."""
    sync_api = _chromium()
    html = "<img alt='Figure' src='data:image/png;base64,'><div style='width:600px'>x</div>"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=PHONE)
            page.set_content(html)
            problems = phone_problems(page)
        finally:
            browser.close()
    assert any("alt text says nothing" in p for p in problems)
    assert any("does not record" in p for p in problems)
    assert any("600px wide" in p or "wide on a" in p for p in problems)
