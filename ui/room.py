"""The lecture hall's frame: lecturer mode's switch, its styles, and figures sized for a room.

Lecturer mode (a sidebar switch kept in the URL as ``?lecturer=1``) is for a projector at 1280 × 720: the
sidebar starts collapsed (app.py asks `sidebar_state` before `st.set_page_config`), explanations fold away
(ui.lesson), and every number the lesson is about is at least `ROOM_PX` pixels: tables, metrics and buttons by
`LECTURER_CSS`, plotly figures by `size_for_room`, which ui.alt.show_figure applies to every figure while the
mode is on. Text wraps between words, never inside one, and is never cut short with an ellipsis.
tests/e2e/test_lecture_hall.py measures it in the browser on every page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

LECTURER_KEY = "lecturer"
ROOM_PX = 24
"""The smallest type for what a lesson is about, in CSS pixels at 1280 × 720: readable from the back of a room."""

_WRAP = "overflow-wrap: normal !important; word-break: normal !important; hyphens: manual !important;"
_UNCUT = "white-space: normal !important; overflow: visible !important; text-overflow: clip !important;"
LECTURER_CSS = f"""
<style>
  html, body, [data-testid="stAppViewContainer"] {{ font-size: 21px; }}
  [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ font-size: 1.15rem; }}
  h1 {{ font-size: 3rem !important; }}  h2 {{ font-size: 2.2rem !important; }}
  /* Words stay whole: a line breaks between words, never inside one ("Classificatio/n"). */
  [data-testid="stMain"] :is(p, li, td, th, span, label, div, button, a),
  [data-testid="stSidebar"] :is(p, li, span, label, a) {{ {_WRAP} }}
  /* Tables (st.table and Markdown tables): the numbers themselves at room size. */
  [data-testid="stTable"] :is(td, th), [data-testid="stMarkdownContainer"] table :is(td, th) {{
    font-size: {ROOM_PX}px !important; }}
  /* Metrics: label and value at room size, the label on as many lines as it needs instead of "Dice vs skull ...". */
  [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{ font-size: {ROOM_PX}px !important; {_UNCUT} }}
  [data-testid="stMetricLabel"] {{ height: auto !important; min-height: 0 !important; }}
  [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{ font-size: 2.4rem !important; {_UNCUT} }}
  [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {{ font-size: {ROOM_PX}px !important; }}
  /* Buttons (presets among them): labels at room size and on two lines rather than cut with an ellipsis. */
  [data-testid^="stBaseButton"] {{ height: auto !important; min-height: 2.5rem; }}
  [data-testid^="stBaseButton"], [data-testid^="stBaseButton"] * {{ font-size: {ROOM_PX}px !important; {_UNCUT} }}
  /* A lesson's section chooser (a segmented control): its buttons grow with their room-sized labels. */
  [data-testid="stButtonGroup"] button {{ height: auto !important; min-height: 2.5rem; {_UNCUT} }}
  [data-testid="stButtonGroup"] button * {{ {_UNCUT} }}
  /* Widget labels (checkboxes, toggles, sliders) on as many lines as they need. */
  [data-testid="stMain"] label :is(p, div, span), [data-testid="stWidgetLabel"] :is(p, div) {{ {_UNCUT} }}
  /* A displayed formula (a kernel) a little wider than its column at the room's size is shown whole, not cut. */
  [data-testid="stMarkdownContainer"]:has(.katex-display) {{ overflow: visible !important; }}
  /* The sidebar's page names wrap instead of "1 · How a comp...". */
  [data-testid="stSidebarNavLink"], [data-testid="stSidebarNavLink"] * {{ {_UNCUT} height: auto !important; }}
</style>
"""


def lecturer_requested() -> bool:
    """Whether this run is in lecturer mode, readable before anything is drawn (for `st.set_page_config`).

    The switch's value once the session has one, else the URL's ``?lecturer=1``.
    """
    if LECTURER_KEY in st.session_state:
        return bool(st.session_state[LECTURER_KEY])
    return st.query_params.get("lecturer") == "1"


def sidebar_state() -> str:
    """``initial_sidebar_state`` for `st.set_page_config`: collapsed in lecturer mode (the projector's room)."""
    return "collapsed" if lecturer_requested() else "auto"


def _sync_lecturer_to_url() -> None:
    if st.session_state.get(LECTURER_KEY):
        st.query_params["lecturer"] = "1"
    else:
        st.query_params.pop("lecturer", None)


def lecturer_toggle() -> None:
    """The sidebar switch for lecturer mode, remembered in the URL (``?lecturer=1``) so it can be bookmarked."""
    if LECTURER_KEY not in st.session_state:
        st.session_state[LECTURER_KEY] = st.query_params.get("lecturer") == "1"
    st.sidebar.toggle("Lecturer mode", key=LECTURER_KEY, on_change=_sync_lecturer_to_url,
                      help="Large type for a room, explanations folded away, presets for the lecture's figures. "
                           "Bookmark the page to come back in this mode.")
    if st.session_state[LECTURER_KEY]:
        st.html(LECTURER_CSS)


def lecturer_mode() -> bool:
    """True when the lecturer switch is on."""
    return bool(st.session_state.get(LECTURER_KEY, False))


def _at_least(size, px: int):
    """A font size (a number, a per-point list, or unset) raised to at least `px`."""
    if isinstance(size, (list, tuple)):
        return [max(s or 0, px) for s in size]
    return max(size or 0, px)


def _colorbar(colorbar, px: int) -> None:
    colorbar.tickfont.size = _at_least(colorbar.tickfont.size, px)
    colorbar.title.font.size = _at_least(colorbar.title.font.size, px)


def size_for_room(figure: go.Figure, px: int = ROOM_PX) -> go.Figure:
    """A copy of `figure` whose every text is at least `px` pixels, with room made for it.

    Tick labels, axis titles, legend, colour bars, annotations (subplot titles among them) and the
    traces' own text (the values printed in a grid's cells) are raised to `px` (the title to 1.25 ×
    `px`); sizes already larger are kept. Axes get ``automargin`` so their larger labels push the
    margins out instead of being cut, the top margin grows for a title or subplot titles, and a figure
    of fixed height grows by what its margins took, so its plot keeps its size.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        Left unchanged (it may be cached and shown again outside lecturer mode).
    px : int
        The smallest font size, in CSS pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        The sized copy.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> room = size_for_room(go.Figure(go.Heatmap(z=[[1, 2]], texttemplate="%{z}")))
    >>> room.data[0].textfont.size, room.layout.xaxis.tickfont.size
    (24, 24)
    """
    room = go.Figure(figure)
    layout = room.layout
    layout.font.size = _at_least(layout.font.size, px)
    title_px = round(px * 1.25)
    if layout.title.text:
        layout.title.font.size = _at_least(layout.title.font.size, title_px)
    for axis in [*room.select_xaxes(), *room.select_yaxes()]:
        axis.tickfont.size = _at_least(axis.tickfont.size, px)
        axis.title.font.size = _at_least(axis.title.font.size, px)
        axis.automargin = True
        if axis.type == "log" and axis.dtick is None:
            axis.dtick = 1  # decades only: plotly draws the 2 and 5 between them at three quarters of the size
    layout.legend.font.size = _at_least(layout.legend.font.size, px)
    layout.legend.title.font.size = _at_least(layout.legend.title.font.size, px)
    for name in [key for key in layout if key.startswith("coloraxis")]:
        _colorbar(layout[name].colorbar, px)
    for annotation in layout.annotations:
        annotation.font.size = _at_least(annotation.font.size, px)
    for trace in room.data:
        if "textfont" in trace:
            trace.textfont.size = _at_least(trace.textfont.size, px)
        if "colorbar" in trace:
            _colorbar(trace.colorbar, px)
        elif "marker" in trace and "colorbar" in trace.marker and trace.marker.showscale:
            _colorbar(trace.marker.colorbar, px)  # only a shown scale: styling a hidden one makes plotly draw it
    top = layout.margin.t
    above = any((a.yref or "y").endswith("paper") and (a.y or 0) >= 1 for a in layout.annotations)
    needed = (title_px * 2 if layout.title.text else 0) + (round(px * 1.5) if above else 0) + px // 2
    if top is None or top < needed:
        layout.margin.t = needed
    if layout.height:  # a fixed height keeps its plot: add what the margins took
        layout.height += (max(needed - top, 0) if top is not None else 0) + 2 * px
    return room
