"""Executed notebook -> one self-contained HTML page for leadership.

The page holds no input cells and no prompts; images are embedded as ``data:`` URIs;
the CSS is inline; there is no script and no request to any other host (nbconvert's
stock ``lab``/``classic`` pages load require.js and MathJax from CDNs, so the body comes
from the ``basic`` template inside the page built here, and links to other hosts become
plain text). A Content-Security-Policy forbids scripts and remote loads as a second line
of defence; customer text must still be escaped by the notebook (``cxlib.plots``).
The page reflows to a phone's width, wide tables scroll sideways, and it prints cleanly.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from collections.abc import Mapping

import nbformat

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
"""No scripts, no remote anything: only inline styles and embedded images."""

CSS = """
:root { --ink: #1d1d1f; --muted: #555; --rule: #d9d9de; --accent: #0072B2;
        --good: #009E73; --bad: #D55E00; --bg-soft: #f5f6f8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
             Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
.page { max-width: 62rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
header.cx-head { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem;
                 padding-bottom: .75rem; }
header.cx-head h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .5rem; }
dl.cx-meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .9rem;
             margin: 0; font-size: .85rem; color: var(--muted); }
dl.cx-meta dt { font-weight: 600; }
dl.cx-meta dd { margin: 0; overflow-wrap: anywhere; }
h1, h2, h3 { line-height: 1.25; }
h2 { font-size: 1.4rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--rule);
     padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin: 1.4rem 0 .4rem; }
a { color: var(--accent); }
a.anchor-link { display: none; }
p, li { max-width: 48rem; }
img { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg-soft);
      padding: .5rem .75rem; border-radius: 4px; font-size: .85rem; }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0 1rem;
        display: block; max-width: 100%; overflow-x: auto; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left;
         vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cx-findings { background: #eef5fb; border-left: 5px solid var(--accent);
               padding: .6rem 1rem; margin: 0 0 1.5rem; border-radius: 0 6px 6px 0; }
.cx-findings h2 { border: 0; margin: .2rem 0 .3rem; }
.cx-findings li { margin: .25rem 0; }
.cx-failed { background: #fdf0e9; border-left: 5px solid var(--bad); padding: .6rem 1rem;
             margin: .5rem 0 1rem; }
.cx-kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr));
           gap: .75rem; margin: 1rem 0 1.5rem; }
.cx-kpi { border: 1px solid var(--rule); border-radius: 8px; padding: .7rem .9rem; }
.cx-kpi .name { font-size: .85rem; color: var(--muted); font-weight: 600; }
.cx-kpi .value { font-size: 1.8rem; font-weight: 700; line-height: 1.2; }
.cx-kpi .ci, .cx-kpi .change { font-size: .8rem; color: var(--muted); }
.cx-kpi .better { color: var(--good); font-weight: 600; }
.cx-kpi .worse { color: var(--bad); font-weight: 600; }
.cx-status-succeeded { color: var(--good); font-weight: 600; }
.cx-status-failed { color: var(--bad); font-weight: 600; }
.cx-status-skipped { color: var(--muted); font-weight: 600; }
footer.cx-foot { margin-top: 3rem; font-size: .8rem; color: var(--muted);
                 border-top: 1px solid var(--rule); padding-top: .5rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  .page { padding: .75rem .6rem 2rem; }
  header.cx-head h1 { font-size: 1.5rem; }
  dl.cx-meta { grid-template-columns: 1fr; }
  dl.cx-meta dd { margin-bottom: .3rem; }
}
@media print {
  body { font-size: 11pt; }
  .page { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  img, table, .cx-kpi, .cx-findings { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  table { display: table; overflow: visible; }
}
"""

_PLOT_REPR = re.compile(
    r"^\s*(Text\(|<matplotlib|\[<matplotlib|<Axes|<Figure|<seaborn|<AxesSubplot)", re.M
)
_EXTERNAL_A = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*(['\"])((?:https?:)?//[^'\"]*)\1[^>]*>(.*?)</a>", re.I | re.S
)
_EXTERNAL_SRC = re.compile(r"\s(src|href|srcset|action)\s*=\s*(['\"])(?:https?:)?//[^'\"]*\2", re.I)


_QUIET = logging.getLogger("cxlib.report.nbconvert")
_QUIET.setLevel(logging.ERROR)  # not "alternative text is missing" for every figure


def _leader_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, str | None]:
    """A copy without what a leader should not see; also the notebook's own title.

    Drops cells tagged ``remove-cell``, stderr streams (warnings), bare reprs of plot
    objects (``Text(0.5, 1.0, ...)``) and the first ``# Title`` line (the page header
    shows it).
    """
    nb = copy.deepcopy(nb)
    title = None
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown" and title is None:
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                if line.startswith("# "):
                    title = line[2:].strip()
                    cell.source = "\n".join(lines[:i] + lines[i + 1 :])
                    break
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if _keep_output(o)]
        cells.append(cell)
    nb.cells = cells
    return nb, title


def _keep_output(output: Mapping) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") != "stderr"
    if output.get("output_type") == "execute_result":
        data = output.get("data", {})
        if set(data) == {"text/plain"} and _PLOT_REPR.match(str(data["text/plain"])):
            return False
    return True


_NUMERIC_TD = re.compile(r"<td>(\s*[-+−]?[\d.,]+\s*%?\s*)</td>")


def mark_numbers(body: str) -> str:
    """Right-align table cells that hold only a number (``<td class="num">``)."""
    return _NUMERIC_TD.sub(r"<td class='num'>\1</td>", body)


def strip_external(body: str) -> str:
    """Turn links to other hosts into plain text and drop remote ``src``/``href`` values."""
    body = _EXTERNAL_A.sub(
        lambda m: f"{m.group(3)} <span class='cx-url'>({html.escape(m.group(2))})</span>", body
    )
    return _EXTERNAL_SRC.sub("", body)


def notebook_body(nb: nbformat.NotebookNode) -> tuple[str, str | None]:
    """The HTML of the outputs and markdown of ``nb`` (no inputs, no prompts) and its title."""
    from nbconvert import HTMLExporter

    clean, title = _leader_notebook(nb)
    exporter = HTMLExporter(
        log=_QUIET,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(clean)
    body = body.replace('alt="No description has been provided for this image"', 'alt="Figure"')
    return mark_numbers(strip_external(body)), title


def header_html(title: str, meta: Mapping[str, str]) -> str:
    """The page header: the title and a definition list of facts (all escaped)."""
    rows = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>" for k, v in meta.items()
    )
    return f"<header class='cx-head'><h1>{html.escape(title)}</h1><dl class='cx-meta'>{rows}</dl></header>"


def page(title: str, header: str, body: str, footer: str = "") -> str:
    """A complete, self-contained HTML page around already-safe ``header`` and ``body``."""
    foot = f"<footer class='cx-foot'>{footer}</footer>" if footer else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">\n"
        "<meta name='referrer' content='no-referrer'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<div class='page'>\n{header}\n<main>\n{body}\n</main>\n{foot}\n</div>\n"
        "</body>\n</html>\n"
    )


def report_html(
    nb: nbformat.NotebookNode, meta: Mapping[str, str], title: str | None = None, footer: str = ""
) -> str:
    """One executed report notebook as a self-contained page with its header.

    Parameters
    ----------
    nb : executed notebook
    meta : header facts shown under the title (data source, period, generated, ...)
    title : page title when the notebook has no ``# Title`` line of its own
    footer : already-safe HTML for the page foot (e.g. a link back to the index)

    Examples
    --------
    >>> html_text = report_html(nb, {"Data source": "data/sample"})   # doctest: +SKIP
    """
    body, nb_title = notebook_body(nb)
    title = nb_title or title or "Report"
    return page(title, header_html(title, meta), body, footer)
