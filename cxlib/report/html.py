"""Executed notebook -> one self-contained HTML page for leadership.

The page holds no input cells and no prompts; images are embedded as ``data:`` URIs;
the CSS is inline; there is no script and no request to any other host (nbconvert's
stock ``lab``/``classic`` pages load require.js and MathJax from CDNs, so the body comes
from the ``basic`` template inside the page built here, and links to other hosts become
plain text). A Content-Security-Policy forbids scripts and remote loads as a second line
of defence; customer text must still be escaped by the notebook (``cxlib.plots``).
The page reflows to a phone's width, wide tables scroll sideways, and it prints cleanly.
The page and its header are templates (``page.html.j2``, ``header.html.j2`` in
:mod:`cxlib.templates`, autoescaped); the CSS is the packaged ``style.css``.

Examples
--------
>>> print(header_html("Churn <drivers>", {"Run": "r1"}), end="")
<header class='cx-head'><h1>Churn &lt;drivers&gt;</h1><dl class='cx-meta'>
<dt>Run</dt><dd>r1</dd>
</dl></header>
>>> "<title>A &amp; B</title>" in page("A & B", header="", body="<p>hi</p>")
True
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping

import nbformat
from markupsafe import Markup

from cxlib.templates import render, stylesheet

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
"""No scripts, no remote anything: only inline styles and embedded images."""

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


_LINK_AS_TEXT = Markup("{} <span class='cx-url'>({})</span>")
"""A link to another host as its text and its address (the address gets escaped)."""


def strip_external(body: str) -> str:
    """Turn links to other hosts into plain text and drop remote ``src``/``href`` values.

    >>> strip_external("<a href='https://x.org/?a=1'>docs</a>")
    "docs <span class='cx-url'>(https://x.org/?a=1)</span>"
    """
    body = _EXTERNAL_A.sub(
        lambda m: _LINK_AS_TEXT.format(Markup(m.group(3)), m.group(2)),  # the text is HTML
        body,
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


def page_context() -> dict[str, Markup]:
    """What every page template needs besides its content: the CSP and the inline CSS."""
    return {"csp": Markup(CSP), "css": Markup(stylesheet())}


def header_html(title: str, meta: Mapping[str, str]) -> Markup:
    """The page header: the title and a definition list of facts (all escaped)."""
    return Markup(render("header.html.j2", title=title, meta=meta))


def page(title: str, header: str, body: str, footer: str = "") -> str:
    """A complete, self-contained HTML page around already-safe ``header`` and ``body``.

    ``header``, ``body`` and ``footer`` are HTML that cxlib built from escaped parts
    (:func:`header_html`, :func:`notebook_body`); ``title`` is text and gets escaped.
    """
    return render(
        "page.html.j2",
        title=title,
        header=Markup(header),
        body=Markup(body),
        footer=Markup(footer),
        **page_context(),
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
