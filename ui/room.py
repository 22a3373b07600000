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
  /* The first screen is the lecture's figure: the lesson's head (title, objective, presets, sections) is short. The
     title starts level with the sidebar's button (the header above it is see-through and lets clicks through). */
  [data-testid="stMainBlockContainer"] {{ padding-top: 0.9rem !important; }}
  [data-testid="stHeader"] {{ background: transparent !important; pointer-events: none; }}
  [data-testid="stHeader"] :is(button, a) {{ pointer-events: auto; }}
  h1 {{ font-size: 2.2rem !important; padding: 0 0 0.2rem !important; }}  h2 {{ font-size: 1.8rem !important; }}
  [data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 0.75rem; }}
  /* Words stay whole: a line breaks between words, never inside one ("Classificatio/n"). */
  [data-testid="stMain"] :is(p, li, td, th, span, label, div, button, a),
  [data-testid="stSidebar"] :is(p, li, span, label, a) {{ {_WRAP} }}
  /* A picture's caption is as narrow as its picture: a long file name breaks inside (at its end if it must)
     rather than running under the next tile's caption. */
  [data-testid="stMain"] [data-testid="stImageCaption"], [data-testid="stMain"] [data-testid="stImageCaption"] * {{
    overflow-wrap: anywhere !important; }}
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
  [data-testid="stButtonGroup"] button {{ height: auto !important; min-height: 2.5rem; {_UNCUT}
    padding-left: 0.6rem !important; padding-right: 0.6rem !important; }}  /* eight sections in one row */
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


FIGURES = ('[data-testid="stPlotlyChart"], [data-testid="stImage"], [data-testid="stTable"], '
           '[data-testid="stMetric"]')
"""What a lesson's figure is on the page: a plotly chart, a picture, or numbers at room size (a table, a metric)."""
SEEN_PX = 300
"""A figure is on the first screen when half of it, or this many pixels of a tall one, is in the window."""
_INTO_VIEW = """<script>
(() => {  // %(nonce)s: once this run has finished, bring the first figure of the main area onto the screen
  const app = document.querySelector('[data-testid="stApp"]'), started = Date.now();
  let running = false;
  const look = () => {
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running') running = true;
    const ended = state === 'notRunning' && (running || Date.now() - started > 1000);  // a short run: seen ended
    if (!ended) {
      if (Date.now() - started < 180000) setTimeout(look, 150);
      return;
    }
    setTimeout(() => {  // plotly lays a chart out once more after it is drawn
      const main = document.querySelector('[data-testid="stMain"]');
      const figure = main && [...main.querySelectorAll('%(figures)s')]
        .find(el => el.checkVisibility() && el.getBoundingClientRect().height > 20);
      if (!figure) return;
      const box = figure.getBoundingClientRect();
      if (box.top >= 0 && window.innerHeight - box.top >= Math.min(box.height / 2, %(seen)d)) return;
      // the whole figure in the middle of the screen, with what leads to it and follows it; a tall one from its top
      figure.style.scrollMarginTop = '0.5rem';
      figure.scrollIntoView({block: box.height <= window.innerHeight - 24 ? 'center' : 'start'});  // focus stays
    }, 400);
  };
  look();
})();
</script>"""


def bring_figure_into_view(nonce: int) -> None:
    """After this run, scroll the page so that its first figure is on the screen, if it is not already.

    For a lecture preset whose section draws controls above its figure: one press shows the figure. A small
    script on this page (nothing loaded from anywhere); it waits for the run to end, moves no keyboard focus,
    and draws nothing (it sits in the sidebar, folded away in lecturer mode).

    Parameters
    ----------
    nonce : int
        A number new for each press, so the script runs again after the same preset is pressed twice.
    """
    script = _INTO_VIEW % {"nonce": int(nonce), "figures": FIGURES, "seen": SEEN_PX}
    st.sidebar.html(script, unsafe_allow_javascript=True)


def matrix_table(container, frame, editor: dict) -> None:
    """An editable matrix's numbers as a plain HTML table (shortest form, empty cells blank), its index shown as the
    editor shows it (`editor`: the data editor's options)."""
    container.table(frame.style.format("{:g}", na_rep=""), hide_index=bool(editor.get("hide_index")))


def editable_matrix(frame, key: str, **editor):
    """An editable matrix (`st.data_editor`); in lecturer mode its numbers at room size, the editor folded under them.

    The data editor draws its cells on a canvas at the theme's size (about 14 px), which no supported option of
    Streamlit raises. In front of a room the matrix is shown as a plain table, whose cells `LECTURER_CSS` sets at
    `ROOM_PX`, and the editor is folded in an "Edit the numbers" expander under it: Tab to it and press Enter,
    then the arrow keys move in the grid and typing a number replaces a cell's value. The table follows every edit.

    Parameters
    ----------
    frame : pandas.DataFrame
        The matrix as it starts (numbers; its index is shown unless ``hide_index=True``).
    key : str
        The editor's widget key.
    **editor
        Passed on to `st.data_editor` (``hide_index``, ``num_rows``, ``column_config``, ``width`` ...).

    Returns
    -------
    pandas.DataFrame
        The matrix as the learner left it (a row they added included; an emptied cell is NaN).
    """
    if not lecturer_mode():
        return st.data_editor(frame, key=key, **editor)
    shown = st.empty()  # the numbers first, the editor folded under them
    with st.expander("Edit the numbers", icon=":material/edit:"):
        edited = st.data_editor(frame, key=key, **editor)
    matrix_table(shown, edited, editor)
    return edited


KEPT_MATRICES = "kept-matrices"
"""Editor key -> (the matrix its editor started from, the matrix as the learner left it), as DataFrames.

Streamlit drops the state of a widget that a run does not draw, so an editor drawn again (after another view was
shown, or with editing switched off and on) would start from its first numbers: it starts from the kept matrix."""


def kept_matrix(key: str, frame):
    """The matrix of the editor `key` as the learner last left it, or `frame` if it was never drawn."""
    kept = st.session_state.get(KEPT_MATRICES, {}).get(key)
    return frame if kept is None else kept[1]


def kept_editable_matrix(frame, key: str, editing: bool = True, **editor):
    """`editable_matrix` whose edits outlive the runs that do not draw it; not `editing`, a plain table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The matrix as it starts.
    key : str
        The editor's widget key (a new key is a fresh editor, from `frame`).
    editing : bool
        False: no data editor (a canvas the learner's browser must load, folded or not), the matrix as the
        learner left it as an HTML table.
    **editor
        Passed on to `editable_matrix`.

    Returns
    -------
    pandas.DataFrame
        The matrix as the learner left it.
    """
    if not editing:
        values = kept_matrix(key, frame)
        matrix_table(st, values, editor)
        return values
    kept = st.session_state.setdefault(KEPT_MATRICES, {})
    if key not in st.session_state or key not in kept:  # a fresh editor: from the matrix as the learner left it
        kept[key] = (kept[key][1], kept[key][1]) if key in kept else (frame, frame)
    start = kept[key][0]  # the same while the editor is drawn: its edits are kept relative to it
    edited = editable_matrix(start, key=key, **editor)
    kept[key] = (start, edited)
    return edited


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
    of fixed height grows by what its margins took, so its plot keeps its size. A horizontal legend under the
    plot moves beside it, since the larger tick labels and axis title would run into it.

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
    if layout.legend.orientation == "h" and (layout.legend.y or 0) < 0:
        # Under the plot, the larger tick labels and axis title would run into it: beside the plot instead.
        layout.legend.update(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top")
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
    on_top = any(axis.side == "top" for axis in room.select_xaxes())  # its tick labels and title under the title
    needed = ((title_px * 2 if layout.title.text else 0) + (round(px * 1.5) if above else 0) + px // 2
              + (px * 3 if on_top else 0))
    if top is None or top < needed:
        layout.margin.t = needed
    if layout.height:  # a fixed height keeps its plot: add what the margins took
        layout.height += (max(needed - top, 0) if top is not None else 0) + 2 * px
    return room
