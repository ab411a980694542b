"""The published pages in a real browser: injected customer text stays text, nothing runs.

A small sample gets HTML-injection markup in survey comments, in a touchpoint name (in
surveys and events) and, when the persona report exists, in a persona name (its ``names``
override). Every report is run on it and each page is opened in Debian's headless
Chromium driven by Playwright: no dialog, no console error, no script element, no
``onerror`` attribute, no request leaving the file, images embedded, the injected text
visible as text, the page fitting a phone's width. The index page is screenshotted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cxlib.paths import NOTEBOOKS_DIR
from cxlib.report import registry
from cxlib.report.params import declared_parameters
from cxlib.report.pipeline import run_reports

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"

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
                page.set_viewport_size({"width": 390, "height": 844})  # a phone
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 391, f"{name} is {width}px wide on a 390px phone"
                page.close()
        finally:
            browser.close()
    assert (tmp_path / "index.png").stat().st_size > 10_000
    scorecard = shown.get("cx_scorecard.html", "")
    if scorecard:  # the planted markup is shown as text: comments and the touchpoint name
        assert IMG in scorecard and SCRIPT in scorecard
        assert f"touchpoint '{IMG}'" in scorecard
    assert any(IMG in text for text in shown.values())
