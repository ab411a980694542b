"""Shared fixtures: a small sample data set, generated once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxlib.paths import SAMPLE_CONFIG, SHARED_DIR

SMALL_SAMPLE_CUSTOMERS = 2_000


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-customer sample (seed 0) with TRUTH.json, shared by all tests of a session."""
    from cxlib.sample import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, customers=SMALL_SAMPLE_CUSTOMERS, seed=0)
    return out


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project (real data sets); skips the test when absent."""
    if not (SHARED_DIR / "data" / "real").is_dir():
        pytest.skip(f"{SHARED_DIR}/data/real is absent: the real data sets are not available here")
    return SHARED_DIR


@pytest.fixture(scope="session")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default 20,000-customer sample (seed 0): ``data/sample`` when ``make sample``
    built it, else generated once per session into a temporary folder (``make test`` runs
    the unit tests before the notebook tests build the sample)."""
    from cxlib.paths import DEFAULT_SAMPLE_CUSTOMERS, SAMPLE_DIR
    from cxlib.sample import generate

    truth = SAMPLE_DIR / "TRUTH.json"
    if truth.is_file() and json.loads(truth.read_text())["customers"] == DEFAULT_SAMPLE_CUSTOMERS:
        return SAMPLE_DIR
    out = tmp_path_factory.mktemp("default_sample")
    generate(out)
    return out


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every report run on the default sample with its config (what ``make reports``
    publishes), once per session: the run folder. Used by the browser and mail tests (slow)."""
    from cxlib.report.pipeline import run_reports
    from cxlib.sample import generate

    data = tmp_path_factory.mktemp("default_sample")
    generate(data)
    out = tmp_path_factory.mktemp("sample_reports")
    result = run_reports(data, config=SAMPLE_CONFIG, out_dir=out, echo=lambda line: None)
    failed = [(r.report.name, r.status, r.error, r.message) for r in result.reports]
    assert result.exit_code == 0, failed
    return result.path


@pytest.fixture(autouse=True)
def _plain_wording():
    """Each test starts and ends without a currency or labels (``cxlib.load`` sets both
    from the config for the whole process: one test's config must not reach the next)."""
    from cxlib.wording import use_currency, use_labels

    use_currency(None)
    use_labels(None)
    yield
    use_currency(None)
    use_labels(None)
