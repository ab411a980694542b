"""Executed notebook -> one self-contained HTML page for leadership.

The page holds no input cells and no prompts; images are embedded as ``data:`` URIs;
the CSS is inline; there is no script and no request to any other host (nbconvert's
stock ``lab``/``classic`` pages load require.js and MathJax from CDNs, so the body comes
from the ``basic`` template inside the page built here, and links to other hosts become
plain text). A Content-Security-Policy forbids scripts and remote loads as a second line
of defence; customer text must still be escaped by the notebook (``cxlib.plots``).
The page reflows to a phone's width, wide tables scroll sideways, and it prints cleanly.

The answer comes first: the title, one line of scope (period, customers), then the
notebook's findings and charts. The notebook's opening paragraph (what the report does and
how), its method, model-quality and data-quality sections (:data:`APPENDIX_HEADING`, or a
markdown cell tagged ``appendix``) and the run details go to a closed appendix at the end
(``<details>`` sections). Figures are made readable on a phone: an image whose smallest
text (recorded by :func:`cxlib.plots.figure_png`) would show below
:data:`PHONE_TEXT_PX` gets a minimum width and scrolls sideways in its own box.
The page and its header are templates (``page.html.j2``, ``header.html.j2`` in
:mod:`cxlib.templates`, autoescaped); the CSS is the packaged ``style.css``.

Examples
--------
>>> print(header_html("Churn <drivers>", {"Period covered": "2024-01-01 to 2024-12-31"}), end="")
<header class='cx-head'><h1>Churn &lt;drivers&gt;</h1>
<p class='cx-scope'>Data from 2024-01-01 to 2024-12-31.</p>
</header>
>>> "<title>A &amp; B</title>" in page("A & B", header="", body="<p>hi</p>")
True
"""

from __future__ import annotations

import base64
import binascii
import copy
import logging
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nbformat
from markupsafe import Markup

from cxlib.templates import FIGURE_FONT_TAG, render, stylesheet

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
"""No scripts, no remote anything: only inline styles and embedded images."""

_PLOT_REPR = re.compile(
    r"^\s*(Text\(|<matplotlib|\[<matplotlib|<Axes|<Figure|<seaborn|<AxesSubplot)", re.M
)
_EXTERNAL_A = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*(['\"])((?:https?:)?//[^'\"]*)\1[^>]*>(.*?)</a>", re.I | re.S
)
_EXTERNAL_SRC = re.compile(r"\s(src|href|srcset|action)\s*=\s*(['\"])(?:https?:)?//[^'\"]*\2", re.I)


APPENDIX_HEADING = re.compile(
    r"^##\s+(appendix\b|method|data quality|how many|how this|outputs\b)", re.I
)
"""Level-2 headings that open the appendix: method, model quality, data quality, files."""
APPENDIX_TAG = "appendix"
"""A markdown cell with this tag opens the appendix (when its heading does not say so)."""
ABOUT = "About this report"
"""The appendix section holding the notebook's opening paragraph."""
RUN_DETAILS = "Run details"
"""The appendix section holding the run's facts (data source, config, parameters, run)."""
PHONE_TEXT_PX = 10
"""The smallest text a figure may show, in CSS pixels, at any screen width."""

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


_NUMERIC_TD = re.compile(r"<td( data-label=\"[^\"<>]*\")?>(\s*[-+−]?[\d.,]+\s*%?\s*)</td>")


def mark_numbers(body: str) -> str:
    """Right-align table cells that hold only a number (``<td class="num">``).

    >>> print(mark_numbers('<td data-label="n">12</td>'))
    <td data-label="n" class='num'>12</td>
    """
    return _NUMERIC_TD.sub(r"<td\1 class='num'>\2</td>", body)


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


def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        log=_QUIET,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _cells_html(exporter, nb: nbformat.NotebookNode, cells: Sequence) -> str:
    """The HTML of ``cells`` (of ``nb``): outputs and markdown, links to other hosts as
    text, numeric cells right-aligned, figures readable on a phone."""
    part = copy.copy(nb)
    part.cells = list(cells)
    body, _ = exporter.from_notebook_node(part)
    body = body.replace('alt="No description has been provided for this image"', 'alt="Chart"')
    return readable_images(mark_numbers(strip_external(body)))


def notebook_body(nb: nbformat.NotebookNode) -> tuple[str, str | None]:
    """The HTML of the outputs and markdown of ``nb`` (no inputs, no prompts) and its title."""
    clean, title = _leader_notebook(nb)
    return _cells_html(_exporter(), clean, clean.cells), title


@dataclass
class Section:
    """An appendix section: its heading (shown as the summary) and its cells or HTML."""

    title: str
    cells: list
    html: str = ""


def split_notebook(cells: Sequence) -> tuple[list, list, list[Section]]:
    """The cells as the page orders them: intro, answer, appendix sections.

    The intro is the markdown before the first cell that shows something (the opening
    paragraph); the appendix opens at the first level-2 heading matching
    :data:`APPENDIX_HEADING` or the first cell tagged :data:`APPENDIX_TAG`, and each
    level-2 heading from there starts a section.

    Examples
    --------
    >>> md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    >>> shows = code(outputs=[nbformat.v4.new_output("stream", text="NPS -28")])
    >>> cells = [md("How we read it."), shows, md("## Data quality\\n\\nRows."), code()]
    >>> intro, main, appendix = split_notebook(cells)
    >>> len(intro), len(main), [(s.title, len(s.cells)) for s in appendix]
    (1, 1, [('Data quality', 2)])
    >>> appendix[0].cells[0].source
    'Rows.'
    """
    intro, main, appendix = [], [], []
    for cell in cells:
        if not main and not appendix and cell.cell_type == "markdown":
            intro.append(cell)
            continue
        heading = _heading(cell)
        tags = set(cell.get("metadata", {}).get("tags", []))
        opens = heading is not None and APPENDIX_HEADING.match(cell.source.lstrip())
        if appendix and heading is not None or opens or APPENDIX_TAG in tags:
            title = re.sub(r"^appendix\s*:\s*", "", heading or "", flags=re.I) or "Appendix"
            cell = copy.copy(cell)
            cell.source = (
                cell.source.lstrip().partition("\n")[2].lstrip("\n") if heading else cell.source
            )
            appendix.append(Section(title[:1].upper() + title[1:], [cell]))
        elif appendix:
            appendix[-1].cells.append(cell)
        else:
            main.append(cell)
    return [c for c in intro if c.source.strip()], main, appendix


def _heading(cell: nbformat.NotebookNode) -> str | None:
    """The text of a markdown cell's leading ``## heading`` (None otherwise)."""
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip().partition("\n")[0]
    return first[3:].strip() if first.startswith("## ") else None


_PNG_IMG = re.compile(r'<img\b([^>]*?)\bsrc="data:image/png;base64,([A-Za-z0-9+/=\s]+)"([^>]*)>')


def readable_images(body: str) -> str:
    """Give each figure a minimum width at which its smallest text shows >= 10 px.

    The figure's PNG records its smallest text (``FIGURE_FONT_TAG``); when showing the
    image at a phone's width would make that text smaller than :data:`PHONE_TEXT_PX`,
    the image keeps a minimum width (never above its own) and scrolls in its box.
    """

    def fix(m: re.Match) -> str:
        width, text = png_facts(m.group(2))
        font = _float(text.get(FIGURE_FONT_TAG))
        if not (width and font):
            return m.group(0)
        least = min(width, math.ceil(width * PHONE_TEXT_PX / font))
        return m.group(0)[:-1].rstrip("/ ") + f" style='min-width:{least}px'>"

    return _PNG_IMG.sub(fix, body)


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def png_facts(data: str) -> tuple[int, dict[str, str]]:
    """The width and the text chunks of a base64 PNG (``(0, {})`` when unreadable).

    >>> png_facts("")
    (0, {})
    """
    try:
        png = base64.b64decode(data)
    except (binascii.Error, ValueError):
        return 0, {}
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, {}
    width, text, at = struct.unpack(">I", png[16:20])[0], {}, 8
    while at + 8 <= len(png):
        size, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            break
        if kind == b"tEXt":
            key, _, value = png[at + 8 : at + 8 + size].partition(b"\0")
            text[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + size
    return width, text


def page_context() -> dict[str, Markup]:
    """What every page template needs besides its content: the CSP and the inline CSS."""
    return {"csp": Markup(CSP), "css": Markup(stylesheet())}


def header_html(title: str, meta: Mapping[str, str]) -> Markup:
    """The page header: the title and one line of scope from ``meta`` (all escaped).

    The scope line names the period (``Period covered``) and the customers
    (``Customers``) when ``meta`` has them; the other facts go to :func:`run_details_html`.
    """
    return Markup(render("header.html.j2", title=title, meta=meta))


def run_details_html(meta: Mapping[str, str]) -> Markup:
    """Every header fact as a definition list (the appendix's run details, escaped)."""
    return Markup(render("run_details.html.j2", meta=meta))


def appendix_html(sections: Sequence[Section]) -> Markup:
    """The appendix: one closed ``<details>`` per section, after the answer."""
    return Markup(render("appendix.html.j2", sections=sections))


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
    """One executed report notebook as a self-contained page, answer first.

    Parameters
    ----------
    nb : executed notebook
    meta : facts about the run (data source, period, customers, generated, ...): the
        period and customers in the scope line under the title, all of them in the
        appendix's run details
    title : page title when the notebook has no ``# Title`` line of its own
    footer : already-safe HTML for the page foot (e.g. a link back to the index)

    Examples
    --------
    >>> html_text = report_html(nb, {"Data source": "data/sample"})   # doctest: +SKIP
    """
    clean, nb_title = _leader_notebook(nb)
    intro, main, appendix = split_notebook(clean.cells)
    exporter = _exporter()
    if intro:
        appendix.insert(0, Section(ABOUT, intro))
    for section in appendix:
        section.html = Markup(_cells_html(exporter, clean, section.cells))
    appendix.append(Section(RUN_DETAILS, [], run_details_html(meta)))
    body = Markup(_cells_html(exporter, clean, main)) + appendix_html(appendix)
    title = nb_title or title or "Report"
    return page(title, header_html(title, meta), body, footer)
