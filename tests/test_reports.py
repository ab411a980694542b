"""Tests of the report pipeline (cxlib.report): run, HTML, publishing, index page, CLI.

The end-to-end test runs every report notebook in ``notebooks/`` on the small sample.
The publishing tests (failing notebook, killed run, lock, previous-run comparison) use
tiny notebooks written into a temporary folder under the real report names, so they
exercise the real registry and command line in seconds.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cxlib.metrics.intervals import MetricResult
from cxlib.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from cxlib.report import publish as pub
from cxlib.report import registry
from cxlib.report.html import mark_numbers, notebook_body, report_html, strip_external
from cxlib.report.index import index_html
from cxlib.report.params import declared_parameters
from cxlib.report.pipeline import run_reports
from cxlib.report.run_context import parse_params
from cxlib.report.runner import find_error, imported_modules
from cxlib.scorecard import kpis_to_dict

EXTERNAL = re.compile(r"""(?:src|href|srcset|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
PY = sys.executable

# --- tiny notebooks under the real report names ---------------------------------------------

PARAMS = (
    "data: str | None = None  # folder; None = bundled sample\n"
    "config: str | None = None  # YAML mapping\n"
    "output_dir: str | None = None  # where outputs go\n"
    "personas_path: str | None = None  # personas.csv; None = <output_dir>/personas.csv\n"
    "pause: float = 0.0  # seconds to sleep (the killed-run test)"
)


def _notebook(summary: str, body: str = "", title: str = "Tiny report") -> nbformat.NotebookNode:
    write = (
        "import json, pathlib, time\n"
        "time.sleep(pause)\n"
        f"pathlib.Path(output_dir, {summary!r}).write_text(json.dumps("
        "{'findings': ['First finding <b>bold?</b>', 'Second finding', 'Third', 'Fourth']}))"
    )
    cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nIntro text."),
        nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(write),
    ]
    if body:
        cells.append(nbformat.v4.new_code_cell(body))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "cxlib",
        "display_name": "Python (cxlib)",
        "language": "python",
    }
    return nb


def write_notebooks(folder: Path, broken: str | None = None, pause: float = 0.0) -> Path:
    """Tiny personas and scorecard notebooks; ``broken`` names the one that raises."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("personas", "scorecard"):
        report = next(r for r in registry.REPORTS if r.name == name)
        body = (
            "x = 1\nraise ValueError('boom: <script>alert(1)</script>')" if name == broken else ""
        )
        nb = _notebook(report.summary, body, title=report.title)
        nb.cells[1].source = nb.cells[1].source.replace(
            "pause: float = 0.0", f"pause: float = {pause}"
        )
        nbformat.write(nb, folder / report.notebook)
    return folder


def write_data(
    folder: Path, promoters: int = 20, detractors: int = 10, customers: bool = True
) -> Path:
    """Surveys, tickets and (optionally) customers: enough rows for the KPIs."""
    folder.mkdir(parents=True, exist_ok=True)
    if customers:
        pd.DataFrame(
            {"customer_id": ["c1", "c2"], "signup_date": "2024-01-01", "churned": [True, False]}
        ).to_csv(folder / "customers.csv", index=False)
    scores = [10] * promoters + [0] * detractors + [7] * 5
    pd.DataFrame(
        {
            "responded_at": [f"2025-0{1 + i % 3}-1{i % 9} 10:00" for i in range(len(scores))],
            "survey": "nps",
            "score": scores,
            "touchpoint": ["app", "web"] * (len(scores) // 2) + ["app"] * (len(scores) % 2),
            "comment": "fine",
        }
    ).to_csv(folder / "surveys.csv", index=False)
    pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(8)],
            "customer_id": "c1",
            "opened_at": "2025-01-01 09:00",
            "first_response_at": ["2025-01-01 10:00"] * 6 + ["2025-01-03 10:00"] * 2,
            "resolved_at": "2025-01-04 10:00",
            "channel": "email",
            "contacts": [1] * 5 + [2] * 3,
        }
    ).to_csv(folder / "tickets.csv", index=False)
    return folder


def r_ipynb(result, name: str) -> str:
    """Where a report's executed notebook is, relative to the run (outside it: private)."""
    return next(r["ipynb"] for r in result.manifest["reports"] if r["name"] == name)


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "cxlib", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_ROOT,
    )


# --- end to end on the sample ----------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(small_sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every report notebook of notebooks/ run once on the small sample."""
    out = tmp_path_factory.mktemp("reports")
    lines: list[str] = []
    result = run_reports(small_sample, out_dir=out, jobs=2, echo=lines.append)
    return result, out, lines


@pytest.mark.slow
def test_end_to_end_every_report_succeeds(sample_run) -> None:
    result, out, lines = sample_run
    expected = registry.available()
    assert expected, "no report notebook in notebooks/"
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert result.exit_code == 0 and manifest["status"] == "succeeded"
    assert [r["name"] for r in manifest["reports"]] == [r.name for r in expected]
    assert all(r["status"] == "succeeded" for r in manifest["reports"]), manifest["reports"]
    assert (out / "latest").resolve() == result.path
    # a progress line per report and per cell
    for report in expected:
        assert any(f"{report.name}: succeeded" in line for line in lines)
        assert sum(line.strip().startswith(f"{report.name} ") for line in lines) >= 2


@pytest.mark.slow
def test_end_to_end_html_is_self_contained(sample_run) -> None:
    result, _, _ = sample_run
    pages = ["index.html"] + [f"{r.stem}.html" for r in registry.available()]
    for name in pages:
        text = (result.path / name).read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), f"{name} refers to another host"
        assert "<script" not in text.lower(), f"{name} has a script"
        assert "<script>alert('x')</script>" not in text  # the planted comment, if shown, escaped
        for src in re.findall(r"<img[^>]*\ssrc=['\"]([^'\"]*)", text):
            assert src.startswith("data:image/"), f"{name}: image not embedded"
        assert "Content-Security-Policy" in text and "<style>" in text
        assert "cxlib version" in text and "Period covered" in text and "Data source" in text
    for report in registry.available():
        text = (result.path / f"{report.stem}.html").read_text(encoding="utf-8")
        nb = nbformat.read(result.path / r_ipynb(result, report.name), as_version=4)
        for cell in nb.cells:  # no code input reaches the page
            if cell.cell_type == "code" and len(cell.source.strip()) > 25:
                first = cell.source.strip().splitlines()[0]
                assert first not in text, f"{report.name}: input {first!r} in the HTML"
        assert "data:image/png;base64," in text, f"{report.name} has no figure"
        if "personas" in report.after:  # a page that splits by persona names its file
            persona_file = result.path / "outputs" / "personas.csv"
            assert f"Personas are read from {persona_file} (" in text, report.name


@pytest.mark.slow
def test_end_to_end_key_sections_and_outputs(sample_run) -> None:
    result, _, _ = sample_run
    index = (result.path / "index.html").read_text(encoding="utf-8")
    for section in ("Headline KPIs", "What matters", "Reports", "NPS", "Response within 24h"):
        assert section in index
    manifest = json.loads((result.path / "manifest.json").read_text())
    for r in manifest["reports"]:
        assert f"href='{r['html']}'" in index
        assert len(r["findings"]) == 3
    if (NOTEBOOKS_DIR / "cx_scorecard.ipynb").is_file():
        page = (result.path / "cx_scorecard.html").read_text(encoding="utf-8")
        for section in (
            "The 24-hour response promise",
            "Month by month",
            "Voice of the customer",
            "By channel, touchpoint and segment",
            "Data quality",
            "What matters",
        ):
            assert section in page
        summary = json.loads((result.path / "outputs" / "cx_scorecard.json").read_text())
        assert len(summary["findings"]) == 3 and "nps" in summary["kpis"]
        assert summary["kpis"]["nps"] == pytest.approx(manifest["kpis"]["nps"])
    for item in manifest["data"]["inputs"]:  # input hashes are the files' hashes
        digest = hashlib.sha256(Path(item["path"]).read_bytes()).hexdigest()
        assert item["sha256"] == digest
    assert {Path(i["path"]).name for i in manifest["data"]["inputs"]} >= {
        "surveys.csv",
        "events.csv",
    }
    assert manifest["cxlib_version"] and manifest["duration_s"] > 0


# --- publishing: failure, kill, lock -----------------------------------------------------------


@pytest.fixture()
def tiny(tmp_path: Path) -> dict[str, Path]:
    data = write_data(tmp_path / "data")
    out = tmp_path / "reports"
    good = run_reports(
        data, out_dir=out, notebooks_dir=write_notebooks(tmp_path / "nb_ok"), echo=lambda s: None
    )
    assert good.exit_code == 0
    return {"data": data, "out": out, "good": good.path, "tmp": tmp_path}


def test_failing_notebook_keeps_latest_and_exits_nonzero(tiny: dict[str, Path]) -> None:
    broken = write_notebooks(tiny["tmp"] / "nb_broken", broken="personas")
    proc = run_cli(
        "reports",
        "--data",
        str(tiny["data"]),
        "--out",
        str(tiny["out"]),
        "--notebooks",
        str(broken),
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (tiny["out"] / "latest").resolve() == tiny["good"]
    runs = pub.published_runs(tiny["out"])
    failed = runs[0]
    assert failed != tiny["good"] and len(runs) == 2
    manifest = json.loads((failed / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    status = {r["name"]: r for r in manifest["reports"]}
    assert status["scorecard"]["status"] == "succeeded"  # one failure does not stop the others
    err = status["personas"]["error"]
    assert status["personas"]["status"] == "failed"
    assert err["ename"] == "ValueError" and "boom" in err["evalue"] and err["cell"] == 5
    assert "raise ValueError" in err["source"]
    index = (failed / "index.html").read_text(encoding="utf-8")
    assert "Customer personas failed" in index and "at cell 5" in index
    assert "boom: &lt;script&gt;" in index and "<script>" not in index
    assert "personas: failed" in proc.stdout and "cell  2/3" in proc.stdout


def _kernels_with(marker: str) -> list[int]:
    """Processes whose environment mentions ``marker`` (the run's build folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_run_keeps_latest(tiny: dict[str, Path], sig: signal.Signals) -> None:
    slow = write_notebooks(tiny["tmp"] / f"nb_slow_{sig.name}", pause=60)
    cmd = [PY, "-u", "-m", "cxlib", "reports", "--data", str(tiny["data"]), "--out", str(tiny["out"]),
           "--notebooks", str(slow)]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    try:
        deadline = time.monotonic() + 120
        for line in proc.stdout:  # wait until the slow cell is running
            if "cell  2/3" in line or time.monotonic() > deadline:
                break
        build = next(tiny["out"].glob(f"{pub.BUILD_PREFIX}*"))
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert code != 0
    assert code == (130 if sig == signal.SIGTERM else -9)
    assert (tiny["out"] / "latest").resolve() == tiny["good"]
    assert pub.published_runs(tiny["out"]) == [tiny["good"]]
    if sig == signal.SIGTERM:
        assert not build.exists()  # cleaned up on the way out
        assert not list((tiny["out"] / "_private").glob(f"{pub.BUILD_PREFIX}*"))
    deadline = time.monotonic() + 15  # kernels notice their parent is gone within seconds
    while _kernels_with(str(build)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _kernels_with(str(build)), "kernels of the killed run are still alive"
    # the next run removes the stale build folder and publishes normally
    again = run_reports(tiny["data"], out_dir=tiny["out"], notebooks_dir=tiny["tmp"] / "nb_ok",
                        echo=lambda s: None)  # fmt: skip
    assert again.exit_code == 0 and not list(tiny["out"].glob(f"{pub.BUILD_PREFIX}*"))
    assert (tiny["out"] / "latest").resolve() == again.path


def test_lock_stops_a_second_run(tiny: dict[str, Path]) -> None:
    with pub.run_lock(tiny["out"]):
        proc = run_cli("reports", "--data", str(tiny["data"]), "--out", str(tiny["out"]),
                       "--notebooks", str(tiny["tmp"] / "nb_ok"))  # fmt: skip
        with pytest.raises(pub.RunLocked, match="another report run"):
            run_reports(tiny["data"], out_dir=tiny["out"], notebooks_dir=tiny["tmp"] / "nb_ok")
    assert proc.returncode == 3 and "another report run" in proc.stderr
    assert pub.published_runs(tiny["out"]) == [tiny["good"]]


def test_second_run_compares_kpis_with_the_previous(tiny: dict[str, Path]) -> None:
    write_data(tiny["data"], promoters=5, detractors=60)  # NPS falls sharply
    lines: list[str] = []
    result = run_reports(tiny["data"], out_dir=tiny["out"], notebooks_dir=tiny["tmp"] / "nb_ok",
                         echo=lines.append)  # fmt: skip
    assert result.manifest["previous_run"] == tiny["good"].name
    index = (result.path / "index.html").read_text(encoding="utf-8")
    assert f"since run {tiny['good'].name}" in index
    assert re.search(r"<span class='worse'>▼ [\d.]+ points</span>", index)  # NPS, significant
    assert "(significant, p" in index
    # the tiny personas report's findings are quoted (escaped, first three only)
    assert "First finding &lt;b&gt;bold?&lt;/b&gt;" in index and "Fourth" not in index


def test_params_reach_the_notebooks_and_unknown_ones_fail(tiny: dict[str, Path]) -> None:
    nb_dir = tiny["tmp"] / "nb_ok"
    result = run_reports(tiny["data"], out_dir=tiny["out"], notebooks_dir=nb_dir, only=["scorecard"],
                         params=["scorecard.pause=0.01"], echo=lambda s: None)  # fmt: skip
    assert [r.report.name for r in result.reports] == ["personas", "scorecard"]  # --only + deps
    assert result.manifest["reports"][1]["parameters"]["pause"] == 0.01
    assert "pause" not in result.manifest["reports"][0]["parameters"]
    executed = nbformat.read(result.path / r_ipynb(result, "scorecard"), as_version=4)
    assert "pause = 0.01" in executed.cells[2].source  # papermill's injected cell
    assert str(result.path / "outputs") in executed.cells[2].source  # final path, not the build
    with pytest.raises(ValueError, match="no report in this run has a parameter 'k'"):
        run_reports(tiny["data"], out_dir=tiny["out"], notebooks_dir=nb_dir, params=["k=3"])
    proc = run_cli("reports", "--only", "nosuch", "--out", str(tiny["out"]))
    assert proc.returncode == 2 and "unknown report" in proc.stderr


def test_report_without_its_tables_is_skipped(tiny: dict[str, Path]) -> None:
    # data without a customers table: the persona report cannot run and is skipped
    data = write_data(tiny["tmp"] / "no_customers", customers=False)
    result = run_reports(data, out_dir=tiny["out"], notebooks_dir=tiny["tmp"] / "nb_ok",
                         echo=lambda s: None)  # fmt: skip
    personas = next(r for r in result.reports if r.report.name == "personas")
    assert personas.status == "skipped" and "customers" in personas.message
    assert result.exit_code == 0  # every report that could run succeeded
    assert (tiny["out"] / "latest").resolve() == result.path
    index = (result.path / "index.html").read_text(encoding="utf-8")
    assert "<td class='cx-status-skipped'>skipped</td>" in index


# --- units -------------------------------------------------------------------------------------


def test_plan_orders_dependencies_and_rejects_unknown_names() -> None:
    assert [r.name for r in registry.plan(["churn"], registry.REPORTS)] == ["personas", "churn"]
    assert [r.name for r in registry.plan(["journey,scorecard"], registry.REPORTS)] == [
        "personas",
        "scorecard",
        "journey",
    ]
    no_personas = [r for r in registry.REPORTS if r.name != "personas"]
    assert [r.name for r in registry.plan(["churn"], no_personas)] == ["churn"]
    with pytest.raises(ValueError, match="unknown report"):
        registry.plan(["nope"], registry.REPORTS)
    with pytest.raises(ValueError, match="no notebook yet"):
        registry.plan(["churn"], no_personas[:1])
    scorecard = next(r for r in registry.REPORTS if r.name == "scorecard")
    assert scorecard.missing_tables({"tickets"}) is None
    assert "one of the tables" in scorecard.missing_tables({"events"})


def test_parse_params() -> None:
    declared = {"personas": {"k", "data"}, "churn": {"top"}}
    assert parse_params(["k=5", "churn.top=none", "personas.k=null"], declared) == {
        "*": {"k": 5},
        "churn": {"top": "none"},
        "personas": {"k": None},
    }
    for bad, msg in [(["data=x"], "set by the runner"), (["k"], "not key=value"),
                     (["churn.k=1"], "has no parameter"), (["zz.k=1"], "no report")]:  # fmt: skip
        with pytest.raises(ValueError, match=msg):
            parse_params(bad, declared)


def test_declared_parameters_and_imports(tmp_path: Path) -> None:
    nb = _notebook("x.json")
    nb.cells.append(
        nbformat.v4.new_code_cell("%matplotlib inline\nfrom cxlib import plots\nimport numpy as np")
    )
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert declared_parameters(tmp_path / "x.ipynb") == {
        "data",
        "config",
        "output_dir",
        "personas_path",
        "pause",
    }
    assert {"cxlib", "cxlib.plots", "numpy", "json"} <= imported_modules(tmp_path / "x.ipynb")


def test_find_error_ignores_clean_exit() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; sys.exit(0)")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("error", ename="SystemExit", evalue="0", traceback=[])
    ]
    assert find_error(nb) is None
    nb.cells[0].outputs[0]["evalue"] = "2"
    assert find_error(nb).sentence() == "cell 1: SystemExit: 2"


def test_html_drops_inputs_warnings_and_external_links() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# The title\n\nSee [docs](https://example.com/x)."),
            nbformat.v4.new_code_cell("secret_input_code = 1"),
        ]
    )
    nb.cells[1].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noisy"),
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "Text(0.5, 1.0, 'x')"}, execution_count=1
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<table><tr><td>1,234.5</td><td>web</td></tr></table>"},
        ),
    ]
    body, title = notebook_body(nb)
    assert title == "The title" and "The title" not in body
    assert "secret_input_code" not in body and "noisy" not in body and "Text(0.5" not in body
    assert not EXTERNAL.search(body) and "(https://example.com/x)" in body
    assert "<td class='num'>1,234.5</td><td>web</td>" in body
    page = report_html(nb, {"Data source": "<b>x</b>"})
    assert "<title>The title</title>" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert strip_external('<img src="//cdn.example/x.png">') == "<img>"
    assert mark_numbers("<td>-12%</td><td>a1</td>") == "<td class='num'>-12%</td><td>a1</td>"


def test_index_escapes_and_shows_failures() -> None:
    kpi = MetricResult("NPS", 10.0, 100, 0.0, 20.0, "points", "normal", 5.0)
    manifest = {
        "run_id": "r2", "status": "failed", "started_at": "2025-01-01T00:00:00+00:00",
        "cxlib_version": "0", "previous_run": "r1", "parameters": {"*": {"k": 3}},
        "data": {"source": "<img src=x onerror=alert(1)>", "period": None, "quality": []},
        "kpis": kpis_to_dict({"nps": kpi}),
        "reports": [{"name": "churn", "title": "Churn drivers", "status": "failed", "html": "c.html",
                     "duration_s": 1.0, "findings": [], "message": None,
                     "error": {"cell": 4, "source": "fit()", "ename": "KeyError", "evalue": "'<x>'"}}],
    }  # fmt: skip
    before = kpis_to_dict(
        {"nps": MetricResult("NPS", 40.0, 100, 30.0, 50.0, "points", "normal", 5.0)}
    )
    text = index_html(manifest, before)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "<img" not in text
    assert (
        "Churn drivers failed</strong> at cell 4" in text
        and "KeyError: &#39;&lt;x&gt;&#39;" in text
    )
    assert "<span class='worse'>▼ 30.0 points</span> since run r1 (significant" in text
    assert "k=3" in text and "INCOMPLETE" in text


def test_secrets_are_masked(tmp_path: Path) -> None:
    from cxlib.report.run_context import RunContext

    url = "postgresql+psycopg://cx:s3cr%40t@db.example/cx"
    ctx = RunContext("r1", tmp_path / ".build-r1", tmp_path, url, None, {"*": {}}, {}, tmp_path,
                     "cxlib", None, 1, print)  # fmt: skip
    text = ctx.mask(f"data = {url!r} in {tmp_path / '.build-r1'}/outputs; s3cr@t")
    assert "s3cr" not in text and "***" in text and f"{tmp_path / 'r1'}/outputs" in text
    assert "s3cr" not in ctx.header()["Data source"]
    assert "s3cr" not in json.dumps(ctx.manifest("failed", [], None))


def test_publish_run_ids_latest_and_stale_builds(tmp_path: Path) -> None:
    first = pub.new_run_id(tmp_path)
    (tmp_path / first).mkdir()
    second = pub.new_run_id(tmp_path)
    assert second != first and second.startswith(first)
    pub.set_latest(tmp_path, first)
    pub.set_latest(tmp_path, first)  # replacing an existing link works
    assert pub.latest_run(tmp_path) == (tmp_path / first).resolve()
    build = pub.build_dir(tmp_path, second)
    (build / "f").write_text("x")
    private = pub.private_build_dir(tmp_path, second)
    private.mkdir(parents=True)
    assert pub.remove_stale_builds(tmp_path) == [build.name, f"_private/{build.name}"]
    assert not build.exists() and not private.exists()
    assert pub.resolve_run(tmp_path, "latest") == (tmp_path / first).resolve()
    (tmp_path / second).mkdir()
    for run in (first, second):
        pub.write_manifest(tmp_path / run, {"run_id": run})
    assert pub.resolve_run(tmp_path, "newest") == (tmp_path / second).resolve()
    with pytest.raises(FileNotFoundError):
        pub.resolve_run(tmp_path, "nosuchrun")


def test_a_dependent_report_may_start_once_the_files_it_reads_exist(tmp_path: Path) -> None:
    """Later reports wait for personas.csv (written atomically), not for persona figures."""
    import asyncio

    from cxlib.io.outputs import save
    from cxlib.report.scheduler import _ready

    async def scenario() -> list[str]:
        seen: list[str] = []
        executed = asyncio.Event()
        wanted = [tmp_path / "personas.csv"]
        waiter = asyncio.ensure_future(_ready(executed, wanted, poll_s=0.01))
        await asyncio.sleep(0.05)
        seen.append("waiting" if not waiter.done() else "started too early")
        save(tmp_path, "personas.csv", pd.DataFrame({"customer_id": ["c1"], "persona_id": [1]}))
        await asyncio.wait_for(waiter, 1)
        seen.append("started on the file")
        executed_only = asyncio.ensure_future(_ready(executed, [tmp_path / "other.csv"], 0.01))
        await asyncio.sleep(0.05)
        seen.append("waiting" if not executed_only.done() else "started too early")
        executed.set()  # a report that failed before writing its file still releases them
        await asyncio.wait_for(executed_only, 1)
        seen.append("started on execution")
        return seen

    assert asyncio.run(scenario()) == [
        "waiting", "started on the file", "waiting", "started on execution"
    ]  # fmt: skip
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written file left behind
