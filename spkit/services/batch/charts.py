"""The report's two charts, drawn with matplotlib (Agg, no display) and embedded as base64 PNG so the
report stays one file: site collections per connection, and where each connection's time went."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .frame import STEP_PREFIX, STEP_SUFFIX, step_columns

if TYPE_CHECKING:
    import pandas as pd

MAX_BARS = 40  # beyond this a per-connection chart is unreadable: the largest are shown, and said so
OVERHEAD_COLOUR = "#d0d7de"
_WIDTH_IN = 9.0
_DPI = 144


@dataclass(frozen=True)
class Chart:
    """One embedded chart: a title, the PNG as a data URI, a caption and alternative text."""

    title: str
    data_uri: str
    caption: str
    alt: str


def warm_up() -> None:
    """Import what the report draws with (pandas, matplotlib's Agg canvas, its font list): a batch calls
    this on a thread of its own while the connections run (its own process mostly waits meanwhile), so
    the summary after the last connection costs the drawing only. Never raises."""
    try:
        import pandas  # noqa: F401
        from matplotlib import colormaps, font_manager  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.collections import PolyCollection  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401

        from . import report_html  # noqa: F401
    except Exception:  # the report itself will say what is missing
        pass


def _figure(bars: int):
    """A figure on the Agg canvas, without pyplot (no global figure registry, no GUI backend logic)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(_WIDTH_IN, _height(bars)))
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bars(ax, widths, left, colour: str, label: str) -> None:
    """Horizontal bars at y = 0, 1, ... (height 0.8, as ``barh``) drawn as one collection: ``barh``
    makes an artist and a data-limit update per bar, and a 40-connection, 13-check chart has 500 bars."""
    from matplotlib.collections import PolyCollection

    boxes = [
        [(x, y - 0.4), (x, y + 0.4), (x + w, y + 0.4), (x + w, y - 0.4)]
        for y, (x, w) in enumerate(zip(left, widths, strict=True))
    ]
    bars = PolyCollection(boxes, facecolors=colour, edgecolors="none", linewidths=0, label=label)
    bars.sticky_edges.x.append(0.0)  # as barh: no margin left of zero
    ax.add_collection(bars, autolim=True)


def _names(ax, names) -> None:
    """One row per connection, top to bottom as given (``barh`` with names makes a categorical axis)."""
    ax.set_yticks(range(len(names)), names)


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=10)
    ax.grid(axis="x", color="#eaeef2", linewidth=0.8)
    ax.set_axisbelow(True)


def _height(bars: int) -> float:
    return max(1.6, 0.32 * bars + 0.9)


def site_collections_chart(frame: pd.DataFrame) -> Chart | None:
    """Horizontal bars: site collections (and personal sites) each connection found; None when none
    counted any."""
    counted = frame[frame["site_collections"].notna()]
    if counted.empty:
        return None
    shown = counted.sort_values("site_collections", ascending=False, kind="stable").head(MAX_BARS)
    shown = shown.iloc[::-1]  # largest on top
    figure, ax = _figure(len(shown))
    names = list(shown["connection"])
    sites = [int(v) for v in shown["site_collections"]]
    personal = [int(v) if v == v and v is not None else 0 for v in shown["personal_sites"].fillna(0)]
    _bars(ax, sites, [0] * len(sites), "#0969da", "site collections")
    _bars(ax, personal, sites, "#54aeff", "personal sites (OneDrive / My Sites)")
    _names(ax, names)
    for y, (s, p) in enumerate(zip(sites, personal, strict=True)):
        ax.text(s + p, y, f" {s:,}" + (f" + {p:,}" if p else ""), va="center", fontsize=9, color="#424a53")
    ax.set_xlabel("sites found", fontsize=10)
    ax.margins(x=0.12)
    _style(ax)
    ax.legend(
        loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=2, fontsize=9, frameon=False, borderaxespad=0
    )
    left_out = len(counted) - len(shown)
    caption = "Site collections and personal sites each connection found, largest first."
    if left_out:
        caption += f" The {len(shown)} largest of {len(counted)} connections are shown."
    missing = len(frame) - len(counted)
    if missing:
        caption += f" {missing} connection(s) did not get as far as counting sites."
    return Chart("Site collections per connection", _png(figure), caption, caption)


def step_durations_chart(frame: pd.DataFrame, titles: Mapping[str, str] | None = None) -> Chart | None:
    """Stacked horizontal bars: each connection's time per check, plus the time outside the checks
    (kernel start, notebook, waiting) up to its wall time; None when no check ran."""
    columns = step_columns(frame)
    if not columns:
        return None
    titles = titles or {}
    durations = frame[columns].fillna(0.0)
    checks = durations.sum(axis=1)
    overhead = (frame["duration_s"].fillna(0.0) - checks).clip(lower=0.0)
    order = (checks + overhead).sort_values(ascending=False, kind="stable").index[:MAX_BARS][::-1]
    from matplotlib import colormaps

    figure, ax = _figure(len(order))
    names = list(frame.loc[order, "connection"])
    left = [0.0] * len(order)
    palette = colormaps["tab20"].colors
    for index, column in enumerate(columns):
        values = list(durations.loc[order, column])
        if not any(values):
            continue
        step = column[len(STEP_PREFIX) : -len(STEP_SUFFIX)]
        _bars(ax, values, left, palette[index % len(palette)], titles.get(step, step))
        left = [a + b for a, b in zip(left, values, strict=True)]
    extra = list(overhead.loc[order])
    if any(extra):
        _bars(ax, extra, left, OVERHEAD_COLOUR, "outside the checks (kernel, notebook)")
        left = [a + b for a, b in zip(left, extra, strict=True)]
    _names(ax, names)
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:.2f} s", va="center", fontsize=9, color="#424a53")
    ax.set_xlabel("seconds", fontsize=10)
    ax.margins(x=0.1)
    _style(ax)
    ax.legend(
        loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=3, fontsize=9, frameon=False, borderaxespad=0
    )
    caption = "Where each connection's time went: one colour per check, slowest connection on top."
    if len(frame) > len(order):
        caption += f" The {len(order)} slowest of {len(frame)} connections are shown."
    return Chart("Time per connection, by check", _png(figure), caption, caption)
