"""The HTML templates (Jinja2, autoescaped) and the house style sheet of every page.

Customer text is data: every value a template prints is HTML-escaped unless the caller
marks it safe with :class:`markupsafe.Markup` (only for HTML that cxlib itself built from
escaped parts). Templates live beside this file as ``*.html.j2``; the CSS is ``style.css``.

Examples
--------
>>> render_string("<p>{{ text }}</p>", text="<script>")
'<p>&lt;script&gt;</p>'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2

FIGURE_FONT_TAG = "cxlib-min-font-px"
"""PNG text chunk holding a figure's smallest text in image pixels: :mod:`cxlib.plots`
writes it, :mod:`cxlib.report.html` reads it to keep that text readable on a phone."""


@cache
def environment() -> jinja2.Environment:
    """The one Jinja2 environment: templates from this package, autoescape always on."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cxlib", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> str:
    """Render the template ``name`` (a file beside this module) with ``context``."""
    return environment().get_template(name).render(**context)


def render_string(source: str, **context: Any) -> str:
    """Render a template given as a string, with the same autoescaping environment."""
    return environment().from_string(source).render(**context)


@cache
def stylesheet(name: str = "style.css") -> str:
    """The text of a packaged style sheet (inlined into each page: one self-contained file)."""
    return resources.files("cxlib.templates").joinpath(name).read_text(encoding="utf-8")
