"""The report pipeline: run the report notebooks, publish dated, self-contained HTML.

``python -m cxlib reports --data SOURCE`` (or :func:`run_reports`) executes every report
notebook that exists (:mod:`~cxlib.report.registry`) with papermill parameters in
pre-warmed kernels (:mod:`~cxlib.report.kernels`, :mod:`~cxlib.report.runner`), turns
each into one self-contained HTML page (:mod:`~cxlib.report.html`), writes the index page
(:mod:`~cxlib.report.index`) and the manifest, and publishes the run atomically under
``reports/<run-id>/`` with ``reports/latest`` pointing at the newest complete run
(:mod:`~cxlib.report.publish`). ``python -m cxlib send`` mails a run
(:mod:`~cxlib.report.send`).

Examples
--------
>>> from cxlib.report import run_reports
>>> result = run_reports("data/sample", only=["scorecard"])     # doctest: +SKIP
>>> result.exit_code                                            # doctest: +SKIP
0
"""

from cxlib.report.pipeline import run_reports
from cxlib.report.publish import RunLocked
from cxlib.report.registry import REPORTS, Report
from cxlib.report.results import ReportResult, RunResult

__all__ = ["REPORTS", "Report", "ReportResult", "RunLocked", "RunResult", "run_reports"]
