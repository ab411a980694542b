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

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from markupsafe import Markup

from cxlib.io.privacy import is_id_column, mask_contacts, mask_series
from cxlib.templates import render
from cxlib.wording import UNKNOWN

PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
"""Okabe-Ito colours: distinguishable with the common colour-vision deficiencies."""
UNKNOWN_TEXTS = frozenset({"nan", "NaN", "None", "<NA>", "NaT", "null", "inf", "-inf"})
"""Cell texts that mean "unknown" when a number or None was turned into text as is."""
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#999999"
"""Colours that carry meaning (better / worse / no change), used consistently."""
DIVERGING = "vlag"
"""Heatmaps of z-scores and other signed values."""


def use_house_style() -> None:
    """Apply the house style to matplotlib/seaborn (idempotent)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 120,
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
    body = frame.to_html(
        index=index,
        escape=True,
        border=0,
        classes="cx-table",
        float_format=float_format.format,
        na_rep=UNKNOWN,
    )
    return render("table.html.j2", table=Markup(body))  # pandas escaped every cell


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
