"""The HTML of ``actviz page``: one self-contained file, the vendored chart library (uPlot,
with its version and MIT licence), the page's own script and style, and the data of
:func:`actviz.page.page_data` embedded once as ``<script type="application/json"
id="actviz-data">``. Nothing is fetched when the page runs: no ``src``, no ``href`` but
fragments, no network call in any script (``tests/test_page.py`` checks all three).
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Any

ASSETS = "page_assets"
"""The package folder of the page's files (package data: an installed wheel has them)."""


def asset(name: str) -> str:
    """The text of one of the page's files."""
    return files("actviz").joinpath(ASSETS, name).read_text(encoding="utf-8")


def uplot_version() -> str:
    return asset("uPlot.VERSION").strip()


def script_text(text: str) -> str:
    """``text`` safe inside a ``<script>`` element: no ``</`` (which would end it) and no
    ``<!--``; JSON and JavaScript read ``<\\/`` as ``</``."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def data_json(data: dict[str, Any]) -> str:
    """The embedded data: compact JSON, numbers as Python writes floats (the shortest text
    that reads back as the same float), keys in the order they were built."""
    return script_text(json.dumps(data, allow_nan=False, ensure_ascii=True,
                                  separators=(",", ":")))


def page_html(data: dict[str, Any], title: str) -> str:
    """The whole page."""
    version = uplot_version()
    licence = asset("uPlot.LICENSE").strip().replace("*/", "* /")
    template = asset("page.html")
    parts = {
        "TITLE": html.escape(title),
        "ACTVIZ_VERSION": html.escape(str(data["actviz"])),
        "UPLOT_VERSION": html.escape(version),
        "UPLOT_CSS": asset("uPlot.min.css").strip(),
        "PAGE_CSS": asset("page.css").strip(),
        "DATA": data_json(data),
        "UPLOT_JS": script_text(f"/*! uPlot {version}, https://github.com/leeoniya/uPlot\n"
                                f"{licence}\n*/\n" + asset("uPlot.iife.min.js").strip()),
        "PAGE_JS": script_text(asset("page.js").strip()),
    }
    out = template
    for key, value in parts.items():
        out = out.replace("{{" + key + "}}", value)
    return out
