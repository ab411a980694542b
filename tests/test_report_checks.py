"""What a report run checks and keeps private (issue 14, items 1, 11-15 and 17).

A report whose data lacks a column steps aside with the reason; what can be checked before
anything runs is checked (parameter types, the data source, the config) and answered in
one line; a full or read-only output folder is one line, not a traceback; the sentence
about ``latest`` is true; scratch outputs are keyed by data source; executed notebooks
(raw rows) never land in the published run. The runs use tiny notebooks under the real
report names (see ``test_reports``), so they take seconds.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_reports import _notebook, run_cli, write_data, write_notebooks

from cxlib import cli, paths
from cxlib.io.outputs import read_personas
from cxlib.paths import NOTEBOOKS_DIR
from cxlib.report import publish as pub
from cxlib.report import registry
from cxlib.report.params import ParamSpec, accepts, check_types, parameter_specs
from cxlib.report.pipeline import run_reports

QUIET = {"echo": lambda s: None}


def _with_churn(folder: Path) -> Path:
    """The tiny personas and scorecard notebooks plus a tiny churn notebook."""
    write_notebooks(folder)
    churn = next(r for r in registry.REPORTS if r.name == "churn")
    nbformat.write(_notebook(churn.summary, title=churn.title), folder / churn.notebook)
    return folder


def _customers_without_churn(folder: Path) -> Path:
    """The tiny data set whose customers have no churned and no churn_date column."""
    write_data(folder)
    pd.DataFrame({"customer_id": ["c1", "c2"], "signup_date": "2024-01-01"}).to_csv(
        folder / "customers.csv", index=False
    )
    return folder


def _one_error_line(err: str) -> str:
    """The single line the command printed on stderr (fails on a traceback)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- item 1: a report without its columns is skipped, not failed ------------------------------


def test_churn_without_a_churn_column_is_skipped_and_the_run_completes(tmp_path: Path) -> None:
    data = _customers_without_churn(tmp_path / "data")
    lines: list[str] = []
    result = run_reports(data, out_dir=tmp_path / "out", notebooks_dir=_with_churn(tmp_path / "nb"),
                         echo=lines.append)  # fmt: skip
    status = {r.report.name: r for r in result.reports}
    assert status["churn"].status == "skipped"
    assert status["churn"].message == (
        "Churn drivers needs a column customers.churned or customers.churn_date (who left), "
        "which the data does not have; map one under tables.customers.columns in the config."
    )
    assert status["personas"].status == status["scorecard"].status == "succeeded"
    assert result.exit_code == 0 and pub.latest_run(tmp_path / "out") == result.path
    assert any(ln.startswith("[skip] churn: needs a column customers.churned") for ln in lines)
    assert lines[-2].endswith("latest points at this run"), lines[-2]
    index = (result.path / "index.html").read_text(encoding="utf-8")
    assert "<td class='cx-status-skipped'>skipped</td>" in index


def test_the_sentence_about_latest_is_true_when_there_is_no_earlier_run(tmp_path: Path) -> None:
    lines: list[str] = []
    broken = write_notebooks(tmp_path / "nb", broken="personas")
    result = run_reports(write_data(tmp_path / "data"), out_dir=tmp_path / "out",
                         notebooks_dir=broken, echo=lines.append)  # fmt: skip
    assert result.exit_code == 1 and pub.latest_run(tmp_path / "out") is None
    failed = next(ln for ln in lines if ln.startswith("FAILED: "))
    assert failed.endswith("; there is no complete run yet, so there is no latest"), failed
    good = run_reports(write_data(tmp_path / "data"), out_dir=tmp_path / "out",
                       notebooks_dir=write_notebooks(tmp_path / "nb_ok"), **QUIET)  # fmt: skip
    lines.clear()
    run_reports(tmp_path / "data", out_dir=tmp_path / "out", notebooks_dir=broken,
                echo=lines.append)  # fmt: skip
    failed = next(ln for ln in lines if ln.startswith("FAILED: "))
    assert failed.endswith(f"; latest still points at the last complete run, {good.path.name}")


def test_missing_columns_from_the_registry() -> None:
    churn = next(r for r in registry.REPORTS if r.name == "churn")
    assert churn.missing_columns({"customers": ["customer_id", "churned"]}) is None
    assert "customers.churned or customers.churn_date" in churn.missing_columns({})
    personas = next(r for r in registry.REPORTS if r.name == "personas")
    assert personas.missing_columns({}) is None


# --- item 11: a full disk or a read-only output folder --------------------------------------------


@pytest.fixture()
def good_run(tmp_path: Path) -> dict[str, Path]:
    """A tiny data set, tiny notebooks and one complete run in ``out``."""
    data, nb = write_data(tmp_path / "data"), write_notebooks(tmp_path / "nb")
    result = run_reports(data, out_dir=tmp_path / "out", notebooks_dir=nb, **QUIET)
    assert result.exit_code == 0
    return {"data": data, "nb": nb, "out": tmp_path / "out", "good": result.path}


def _reports_args(run: dict[str, Path], *extra: str) -> list[str]:
    return ["reports", "--data", str(run["data"]), "--out", str(run["out"]),
            "--notebooks", str(run["nb"]), *extra]  # fmt: skip


def test_read_only_output_folder_is_one_line(good_run, monkeypatch, capsys) -> None:
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):  # root ignores chmod: simulate EROFS
        if str(path).endswith(pub.LOCK_FILE):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    assert cli.main(_reports_args(good_run)) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line == (
        f"error: cannot write the report run to {good_run['out']}: Read-only file system; "
        "choose a writable folder with --out (latest is unchanged)."
    )
    assert pub.latest_run(good_run["out"]) == good_run["good"]


def test_full_disk_is_one_line_and_latest_stays(good_run, monkeypatch, capsys) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pub, "write_manifest", full)
    assert cli.main(_reports_args(good_run)) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line == (
        f"error: cannot write the report run to {good_run['out']}: No space left on device; "
        "free space on that disk or choose another folder with --out (latest is unchanged)."
    )
    assert pub.latest_run(good_run["out"]) == good_run["good"]
    assert pub.published_runs(good_run["out"]) == [good_run["good"]]
    assert not list(good_run["out"].glob(f"{pub.BUILD_PREFIX}*"))
    assert not list((good_run["out"] / paths.PRIVATE_DIR).glob(f"{pub.BUILD_PREFIX}*"))


def test_other_os_errors_are_not_blamed_on_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(PermissionError), pub.output_errors(tmp_path / "out"):
        raise PermissionError(errno.EACCES, "Permission denied", "/elsewhere/data.csv")


# --- items 12, 13, 14: stop before anything runs, in one line -----------------------------------


def test_config_typo_is_one_line_without_an_asyncio_traceback(good_run) -> None:
    config = good_run["out"].parent / "typo.yaml"
    config.write_text("reports:\n  churn: {horizon: 6}\n", encoding="utf-8")
    proc = run_cli(*_reports_args(good_run, "--config", str(config)))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_error_line(proc.stderr)
    assert line.startswith(f"error: {config}: unknown key(s) ['reports']; allowed:"), line
    assert "Task exception was never retrieved" not in proc.stderr
    assert proc.stdout == "" and pub.published_runs(good_run["out"]) == [good_run["good"]]


def test_data_that_does_not_exist_stops_before_anything_runs(tmp_path: Path, capsys) -> None:
    missing, out = tmp_path / "no_such_folder", tmp_path / "out"
    code = cli.main(["reports", "--data", str(missing), "--out", str(out),
                     "--notebooks", str(write_notebooks(tmp_path / "nb"))])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert _one_error_line(captured.err) == (
        f"error: the data {missing} does not exist; give --data a folder of table files, "
        "a DuckDB file or a database URL"
    )
    assert not out.exists()  # no run, no lock, no published failure


def test_parameter_of_the_wrong_type_stops_before_the_run(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    args = ["reports", "--data", str(write_data(tmp_path / "data")), "--out", str(out)]
    assert cli.main([*args, "-p", "personas.k=four"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    # the help in brackets is the notebook's own comment on k (it changes with the notebook)
    assert line.startswith("error: parameter personas.k: expected int | None (number of personas")
    assert line.endswith("), got 'four' (text); see python -m cxlib reports --list-params")
    assert cli.main([*args, "-p", "min_n=many"]) == 2  # a key for every report that has it
    assert "parameter scorecard.min_n: expected int" in capsys.readouterr().err
    assert not out.exists()


def test_list_params_shows_type_default_and_help(capsys) -> None:
    assert cli.main(["reports", "--list-params"]) == 0
    text = capsys.readouterr().out
    assert "  k: int | None = None\n      number of personas; None = choose by silhouette" in text
    assert "  min_n: int = 30\n      months and groups with fewer answers" in text
    for report in registry.available():
        assert f"\n{report.name}  ({report.title}" in text
    assert "  data: " not in text  # the runner sets those


def test_parameter_types_from_the_parameters_cells() -> None:
    specs = {r.name: parameter_specs(NOTEBOOKS_DIR / r.notebook) for r in registry.available()}
    k = next(s for s in specs["personas"] if s.name == "k")
    assert (k.annotation, k.default) == ("int | None", "None")
    assert k.help.startswith("number of personas")
    check_types({"*": {"random_state": 3}, "personas": {"k": 4, "k_range": [2, 5]}}, specs)
    with pytest.raises(ValueError, match=r"personas.k_range: expected list\[int\]"):
        check_types({"personas": {"k_range": "3-8"}}, specs)
    assert accepts("float", 1) and not accepts("int", 1.5) and not accepts("int", True)
    assert accepts("dict[int, str] | None", {1: "A"}) and not accepts("dict[int, str]", {"a": 1})
    assert accepts("Optional[str]", None) and accepts("SomethingElse", object())
    assert ParamSpec("x", None, "1", "").annotation is None and accepts(None, "anything")


# --- item 15: scratch outputs keyed by data source ------------------------------------------------


def test_scratch_folders_are_keyed_by_data_source(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "SCRATCH_DIR", tmp_path / "_scratch")
    sample, other = tmp_path / "sample", tmp_path / "shop" / "sample"
    out_a = paths.report_output_dir(None, "churn", sample)
    out_b = paths.report_output_dir(None, "churn", other)
    assert out_a != out_b and out_a.is_dir() and out_b.is_dir()
    assert out_a.parent.parent == tmp_path / "_scratch" and out_a.name == "churn"
    assert out_a.parent.name.startswith("sample-") and out_b.parent.name.startswith("sample-")
    assert paths.report_output_dir(tmp_path / "run", "churn", sample) == tmp_path / "run"
    # the persona notebook ran on the sample only: a notebook on the other data finds nothing
    personas = paths.scratch_personas(sample)
    personas.parent.mkdir(parents=True)
    pd.DataFrame({"customer_id": ["c1"], "persona_id": ["1"], "persona_name": ["A"]}).to_csv(
        personas, index=False
    )
    assert read_personas(None, None, other) is None
    mine = read_personas(None, None, sample)
    assert mine is not None and mine.attrs["path"] == str(personas)
    assert paths.personas_note(mine) == f"Personas are read from {personas} (1 customers)."
    assert paths.personas_note(None).startswith("No persona file was found for this data")


# --- item 17: executed notebooks stay out of the published run -----------------------------------


def test_executed_notebooks_are_kept_out_of_the_published_run(good_run) -> None:
    run, out = good_run["good"], good_run["out"]
    assert not list(run.rglob("*.ipynb")), "an executed notebook is in the published run"
    private = out / paths.PRIVATE_DIR / run.name / "notebooks"
    assert sorted(p.name for p in private.glob("*.ipynb")) == [
        "cx_scorecard.ipynb",
        "persona_segmentation.ipynb",
    ]
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["private_notebooks"] == f"../{paths.PRIVATE_DIR}/{run.name}/notebooks"
    for r in manifest["reports"]:
        assert (run / r["ipynb"]).resolve().parent == private.resolve()
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "Executed notebooks" in index and "kept out of this folder and never mailed" in index
    assert f"../{paths.PRIVATE_DIR}/{run.name}/notebooks" in index
    assert pub.published_runs(out) == [run]  # _private is not a run
