"""The house style for report figures and for the text and tables notebooks show.

Every report notebook calls :func:`use_house_style` once and draws through seaborn /
matplotlib; figures get a title that states the finding (:func:`finding_title`), a
colour-blind-safe palette (Okabe-Ito), and sizes that read on paper and on a phone.
Text that reaches a report goes through :func:`show_findings` / :func:`show_table`,
which HTML-escape everything (templates of :mod:`cxlib.templates`, autoescaped): customer
text is data, never markup. They also mask contact details
(:func:`cxlib.io.privacy.mask_contacts`) and show an unknown value as ``n/a``
(:data:`cxlib.wording.UNKNOWN`), never as ``nan``, ``None`` or a blank.

Examples
--------
>>> print(findings_html(["NPS is <b>low</b>"], title="What matters"), end="")
<div class='cx-findings'>
<h2>What matters</h2>
<ul>
<li>NPS is &lt;b&gt;low&lt;/b&gt;</li>
</ul></div>
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from markupsafe import Markup

from cxlib.io.privacy import is_id_column, mask_contacts, mask_series
from cxlib.templates import FIGURE_FONT_TAG, render
from cxlib.wording import UNKNOWN

PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black (not sky blue: the fifth persona must not pass for the first)
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion (after the first five: it reads close to orange)
    "#F0E442",  # yellow
]
"""Okabe-Ito colours: distinguishable with the common colour-vision deficiencies."""
UNKNOWN_TEXTS = frozenset({"nan", "NaN", "None", "<NA>", "NaT", "null", "inf", "-inf"})
"""Cell texts that mean "unknown" when a number or None was turned into text as is."""
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#999999"
"""Colours that carry meaning (better / worse / no change), used consistently."""
DIVERGING = "vlag"
"""Heatmaps of z-scores and other signed values."""
DPI = 100
"""Pixels per inch of the PNG figures pages embed."""
MIN_FONT_PT = 9.0
"""The smallest text a figure keeps: smaller text is raised to it before the PNG is made."""
PNG_COLOURS = 256
"""Colours of the palette PNG a figure is stored as (charts use few; the file is ~3x smaller)."""
ALT_LIMIT = 600
"""Longest alt text, in characters."""


def use_house_style() -> None:
    """Apply the house style to matplotlib/seaborn (idempotent); in a notebook, figures are
    shown through :func:`figure_png` (alt text, palette PNG, smallest text recorded)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.family": "DejaVu Sans",
        }
    )
    _register_png_formatter()


def _register_png_formatter() -> None:
    """In a notebook, figures are shown through :func:`figure_png` (alt text, small PNG).

    The inline backend is resolved first: it installs its own formatter when it loads.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook extra
        return
    shell = get_ipython()
    if shell is None:
        return
    plt.switch_backend(mpl.get_backend())  # loads the inline backend now, not after this
    shell.display_formatter.formatters["image/png"].for_type(mpl.figure.Figure, figure_png)


def figure_png(fig: mpl.figure.Figure) -> tuple[str, dict[str, str]] | None:
    """A figure as a page embeds it: a palette PNG (base64) and its metadata (alt text).

    Text smaller than :data:`MIN_FONT_PT` is raised to it; the PNG records the smallest
    text in pixels (:data:`cxlib.templates.FIGURE_FONT_TAG`) so the page can keep it readable on a phone.
    The alt text says what the chart shows and its message (:func:`describe_figure`).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.bar(["a", "b"], [1, 2]); _ = ax.set_title("B leads")
    >>> data, meta = figure_png(fig)
    >>> meta["alt"]
    'Chart: B leads. Bar chart.'
    >>> plt.close(fig)
    """
    if not fig.axes and not fig.texts:
        return None
    smallest = _raise_small_text(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    png = _palette_png(buffer.getvalue(), {FIGURE_FONT_TAG: f"{smallest * DPI / 72:.2f}"})
    alt = describe_figure(fig)
    return base64.b64encode(png).decode("ascii"), {"alt": alt}


def _raise_small_text(fig: mpl.figure.Figure) -> float:
    """Raise every shown text below :data:`MIN_FONT_PT`; the smallest size left (points)."""
    sizes = []
    for text in fig.findobj(mpl.text.Text):
        if not (text.get_visible() and text.get_text().strip()):
            continue
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
        sizes.append(text.get_fontsize())
    return min(sizes, default=MIN_FONT_PT)


def _palette_png(png: bytes, text: dict[str, str]) -> bytes:
    """``png`` as an optimised palette PNG carrying ``text`` chunks."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=0)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()


def describe_figure(fig: mpl.figure.Figure) -> str:
    """Alt text: the figure's message (its titles) and what each panel plots.

    Titles state the finding (:func:`finding_title`), so they lead; then the kind of
    chart, its axes and its series (legend entries) per panel.

    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2], [3, 4], label="NPS"); _ = ax.legend()
    >>> _ = ax.set_xlabel("month"); _ = ax.set_ylabel("points")
    >>> describe_figure(fig)
    'Chart. Line chart of points by month; series: NPS.'
    >>> plt.close(fig)
    """
    heads = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    panels = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not ax.get_visible():
            continue
        heads += [t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t]
        panels.append(_describe_axes(ax))
    head = " ".join(_sentence(h) for h in dict.fromkeys(h.strip() for h in heads) if h)
    body = " ".join(dict.fromkeys(p for p in panels if p))
    alt = f"Chart: {head} {body}" if head else f"Chart. {body}"
    alt = " ".join(alt.split())
    return alt if len(alt) <= ALT_LIMIT else alt[: ALT_LIMIT - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _describe_axes(ax: plt.Axes) -> str:
    """One panel: ``Bar chart of <y> by <x>; series: a, b.``"""
    kinds = _chart_kinds(ax)
    if not kinds:  # a message drawn as text (too little data for a chart)
        return " ".join(_sentence(t.get_text()) for t in ax.texts if t.get_text().strip())
    x, y = ax.get_xlabel().strip(), ax.get_ylabel().strip()
    if kinds == ["heatmap"]:
        what = "Heatmap" + (f"; {x}" if x else "")
    else:
        what = f"{' and '.join(kinds).capitalize()} chart"
        what += f" of {y} by {x}" if x and y else (f" of {x or y}" if x or y else "")
    legend = ax.get_legend()
    if legend is not None:
        names = [t.get_text() for t in legend.get_texts() if t.get_text()]
        if names:
            what += "; series: " + ", ".join(names[:8]) + ("…" if len(names) > 8 else "")
    return _sentence(what)


def _chart_kinds(ax: plt.Axes) -> list[str]:
    """What an axes draws: bars, lines, points (scatter), bands (CIs) or a heatmap."""
    names = {type(c).__name__ for c in ax.collections}
    if ax.images or "QuadMesh" in names:
        return ["heatmap"]
    kinds = ["bar"] * bool(ax.patches)
    if any(len(line.get_xdata()) > 1 for line in ax.lines if line.get_label()[:1] != "_"):
        kinds.append("line")
    if "PathCollection" in names and "line" not in kinds:
        kinds.append("point")
    if names & {"PolyCollection", "FillBetweenPolyCollection"}:
        kinds.append("band")
    return kinds


def finding_title(ax: plt.Axes, finding: str, detail: str | None = None) -> plt.Axes:
    """Title an axis with the finding (a sentence), and an optional grey detail line."""
    ax.set_title(finding, loc="left", fontsize=13, fontweight="bold", pad=18 if detail else 8)
    if detail:
        ax.text(0, 1.01, detail, transform=ax.transAxes, fontsize=10, color="#555555", va="bottom")
    return ax


def findings_html(sentences: Iterable[str], title: str | None = None) -> str:
    """Generated sentences as an escaped HTML list in the findings box (``findings.html.j2``);
    contact details masked."""
    return render(
        "findings.html.j2", sentences=[mask_contacts(str(s)) for s in sentences], title=title
    )


def show_findings(sentences: Iterable[str], title: str | None = None) -> None:
    """Display generated sentences as an escaped HTML list (the report's first screen)."""
    from IPython.display import HTML, display

    display(HTML(findings_html(sentences, title)))


def table_html(frame: pd.DataFrame, *, index: bool = False, float_format: str = "{:,.1f}") -> str:
    """An escaped HTML table that scrolls sideways when wide (phones).

    Contact details in text cells are masked (id columns excepted) and unknown values read
    ``n/a``: missing cells and texts such as ``nan`` or ``None``.

    >>> "&lt;b&gt;" in table_html(pd.DataFrame({"group": ["<b>"]}))
    True
    >>> "<td>n/a</td>" in table_html(pd.DataFrame({"x": ["nan"], "y": [None]}))
    True
    """
    frame = shown(frame)
    cards = _has_long_text(frame)
    classes = ["cx-table"] + ["cx-cards"] * cards
    if not index and len(frame.columns) > 1 and str(frame.columns[0]).lower() in RANK_COLUMNS:
        classes.append("cx-key2")  # the rank and the name it ranks both stay in view
    if len(frame.columns) + index > WIDE_COLUMNS:
        classes.append("cx-wide")  # printed on a landscape page
    body = frame.to_html(
        index=index,
        escape=True,
        border=0,
        classes=" ".join(classes),
        float_format=float_format.format,
        na_rep=UNKNOWN,
    )
    if cards and not index and frame.columns.nlevels == 1:
        body = _label_cells(body, [str(c) for c in frame.columns])
    return render("table.html.j2", table=Markup(body))  # pandas escaped every cell


RANK_COLUMNS = frozenset({"rank", "#"})
"""First columns that only number the rows: the column after them is the key one."""
WIDE_COLUMNS = 9
"""Tables with more columns print on a landscape A4 page (style.css)."""
LONG_TEXT = 40
"""A text column whose cells average this many characters makes a table read as cards on
a phone (one card per row, each value under its column's name) instead of scrolling."""


def _has_long_text(frame: pd.DataFrame) -> bool:
    """Whether a text column of ``frame`` holds sentences or quotes (long cells)."""
    texts = [
        frame[c]
        for c in frame.columns
        if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
    ]
    return any(len(s) and s.astype(str).str.len().mean() >= LONG_TEXT for s in texts)


def _label_cells(body: str, columns: list[str]) -> str:
    """Each body cell of a pandas HTML table gets ``data-label`` (its column's name).

    >>> _label_cells("<tbody><tr><td>1</td><td>x</td></tr></tbody>", ["n", "a&b"])
    '<tbody><tr><td data-label="n">1</td><td data-label="a&amp;b">x</td></tr></tbody>'
    """
    labels = [str(Markup.escape(c)) for c in columns]
    head, sep, rest = body.partition("<tbody>")
    rows = rest.split("<tr>")
    for i, row in enumerate(rows[1:], start=1):
        parts = row.split("<td")
        rows[i] = parts[0] + "".join(
            f'<td data-label="{labels[j]}"{p}' if j < len(labels) else f"<td{p}"
            for j, p in enumerate(parts[1:])
        )
    return head + sep + "<tr>".join(rows)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a page may show it: contact details masked in its text columns (not in
    id columns) and every text meaning unknown (:data:`UNKNOWN_TEXTS`) as ``n/a``.

    >>> shown(pd.DataFrame({"note": ["mail a@b.de", "None"]}))["note"].tolist()
    ['mail [e-mail]', 'n/a']
    """
    out = frame
    for col in frame.columns:
        s = frame[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        new = s if is_id_column(col) else mask_series(s)
        new = new.mask(new.isna() | new.isin(UNKNOWN_TEXTS), UNKNOWN)
        if not new.equals(s):
            out = out.copy() if out is frame else out
            out[col] = new
    return out


def show_table(frame: pd.DataFrame, *, index: bool = False, float_format: str = "{:,.1f}") -> None:
    """Display a DataFrame as an escaped, horizontally scrollable HTML table."""
    from IPython.display import HTML, display

    display(HTML(table_html(frame, index=index, float_format=float_format)))
