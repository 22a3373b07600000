"""The lecture hall (issue 18): lecturer mode at 1280 × 720 and at 1920 × 1080 on every page of the app.

Every page of the sidebar navigation (and, for a lesson with a course text in assets/course/<lesson>.toml,
each of its sections through ``?section=``) is opened with ``?lecturer=1`` in headless Chromium, and the
browser's own measurements are judged:

(a) no visible text is cut: no element whose text overflows a box that hides its overflow
    (``scrollWidth > clientWidth`` with overflow hidden or clip, either way) and none truncated with
    ``text-overflow: ellipsis``; no text spills out of its box onto its neighbours (a word wider than
    its box: a file name under a picture); the page itself is no wider than the window. Code blocks scroll on
    purpose and are left out, as are canvases (st.dataframe) and the figures' SVG (judged by (b));
(b) the numbers the lesson is about are at least 24 px: the computed font size of plotly's SVG text
    (ticks, axis titles, legend, colour bars, annotations, the values printed in cells), of st.table and
    Markdown table cells, and of metric labels and values;
(c) the sidebar starts collapsed; opened, its page names are whole.

The crawl runs once (`hall`); each page is then its own test, so a page that still fails is listed by
name. The fast tests at the end check `ui.room.size_for_room` and that `ui.alt.show_figure` applies it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import plotly.graph_objects as go
import pytest

from conftest import REPO_ROOT, discover_pages, wait_idle

VIEWPORTS = {"1280x720": {"width": 1280, "height": 720}, "1920x1080": {"width": 1920, "height": 1080}}
ROOM_PX = 24
COURSE_TEXT = REPO_ROOT / "assets" / "course"

# Every element with visible text that is cut: [where, text, how]. Code, canvases and SVG are left out.
CUT_TEXT = """(scope) => {
  const skip = '[data-testid="stCode"], pre, code, canvas, svg, [data-testid="stDataFrame"], '
             + '[data-testid="stDataFrameResizable"], textarea, input, [data-testid="stIconMaterial"]';  // icons: ligatures
  const found = [];
  for (const root of document.querySelectorAll(scope)) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest(skip) || !el.checkVisibility()) continue;
      if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;  // visually hidden, for screen readers (KaTeX's MathML)
      const text = (el.innerText || '').trim();
      if (!text) continue;
      const cs = getComputedStyle(el);
      const hides = v => v === 'hidden' || v === 'clip';
      const wide = el.scrollWidth > el.clientWidth + 1;
      let how = '';
      if (cs.textOverflow === 'ellipsis' && wide) how = 'cut with an ellipsis';
      else if (hides(cs.overflowX) && wide) how = `overflows its box (${el.scrollWidth} > ${el.clientWidth} px)`;
      else if (hides(cs.overflowY) && el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1)
        how = `cut at the bottom (${el.scrollHeight} > ${el.clientHeight} px)`;
      else if (wide && !el.children.length)  // a word wider than its box runs over what stands beside it
        how = `spills out of its box (${el.scrollWidth} > ${el.clientWidth} px)`;
      if (how) found.push([el.getAttribute('data-testid') || el.tagName.toLowerCase(), text.slice(0, 60), how]);
    }
  }
  for (const root of document.querySelectorAll(scope)) {  // a chosen option wider than its box ("Mattes mutual informati")
    for (const input of root.querySelectorAll('[data-testid="stSelectbox"] input')) {
      if (input.checkVisibility() && input.value && input.scrollWidth > input.clientWidth + 1)
        found.push(['stSelectbox', input.value.slice(0, 60), `cut (${input.scrollWidth} > ${input.clientWidth} px)`]);
    }
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > window.innerWidth + 1)
    found.push(['page', '', `wider than the window (${page.scrollWidth} px)`]);
  return found;
}"""

# How many pixels of the sidebar are on the screen (0 when it is collapsed, whatever way Streamlit hides it).
SIDEBAR_SHOWN = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"]');
  if (!bar || !bar.checkVisibility()) return 0;
  const r = bar.getBoundingClientRect();
  return Math.max(0, Math.min(r.right, window.innerWidth) - Math.max(r.left, 0));
}"""

# Computed font sizes of what a lesson is about, by kind: {kind: [[text, px], ...]} (visible elements only).
FONT_SIZES = """() => {
  const kinds = {
    'plotly text': '[data-testid="stPlotlyChart"] .main-svg text',
    'table cell': '[data-testid="stTable"] td, [data-testid="stTable"] th, '
                + '[data-testid="stMarkdownContainer"] table td, [data-testid="stMarkdownContainer"] table th',
    'metric label': '[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div:not(:has(*))',
    'metric value': '[data-testid="stMetricValue"]',
  };
  const main = document.querySelector('[data-testid="stMain"]');
  const out = {};
  for (const [kind, selector] of Object.entries(kinds)) {
    out[kind] = [...main.querySelectorAll(selector)]
      .filter(el => (el.textContent || '').trim() && el.checkVisibility()
                    && !el.closest('.hoverlayer, .modebar-container'))
      .map(el => [el.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(el).fontSize)]);
  }
  return out;
}"""


@dataclass
class View:
    """What one page (or section) showed in lecturer mode at one window size."""

    viewport: str
    url: str
    load_error: str = ""
    cut: list = field(default_factory=list)
    sizes: dict = field(default_factory=dict)
    sidebar_width: float = 0.0  # how much of the sidebar is on the screen, in px

    @property
    def small(self) -> list:
        return [(kind, text, px) for kind, found in self.sizes.items() for text, px in found if px < ROOM_PX - 0.5]


def page_name(url: str, base_url: str) -> str:
    """The page's URL path ("" for the course map)."""
    return url.removeprefix(base_url).strip("/").split("?")[0]


def sections(name: str) -> list[str]:
    """The sections of a lesson's course text, in order; none while its file does not exist yet."""
    path = COURSE_TEXT / f"{name}.toml"
    if not name or not path.exists():
        return []
    return list(tomllib.loads(path.read_text(encoding="utf-8")).get("sections", []))


def lecture_urls(url: str, name: str) -> list[str]:
    """The page in lecturer mode, once per section when its lesson has sections."""
    found = sections(name)
    if not found:
        return [url + "?lecturer=1"]
    return [f"{url}?section={quote(s)}&lecturer=1" for s in found]


def look(page, viewport: str, url: str) -> View:
    view = View(viewport, url)
    try:
        page.goto(url)
        wait_idle(page)
        page.wait_for_selector('[data-testid="stMain"] h1')  # the run has drawn (a busy machine starts it late)
        wait_idle(page)
    except Exception as exc:  # one page that never settles must not hide the others
        view.load_error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        return view
    view.sidebar_width = page.evaluate(SIDEBAR_SHOWN)
    view.cut = page.evaluate(CUT_TEXT, '[data-testid="stMain"]')
    view.sizes = page.evaluate(FONT_SIZES)
    return view


@pytest.fixture(scope="module")
def hall(browser, base_url) -> dict:
    """The crawl: {"pages": page names from the navigation, "views": [View], "sidebar": {viewport: cut texts}}."""
    views, sidebar, names = [], {}, []
    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size)
        page = context.new_page()
        urls = discover_pages(page, base_url)
        names = [page_name(url, base_url) for url in urls]
        for url, name in zip(urls, names):
            for lecture_url in lecture_urls(url.split("?")[0], name):
                views.append(look(page, viewport, lecture_url))
        # the sidebar, opened by the lecturer: its page names whole
        page.goto(base_url + "/?lecturer=1")
        wait_idle(page)
        page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
                     ).first.click()
        page.wait_for_timeout(800)
        sidebar[viewport] = page.evaluate(CUT_TEXT, '[data-testid="stSidebarNav"]')
        sidebar[viewport + " nav links"] = page.locator('[data-testid="stSidebarNavLink"]').count()
        context.close()
    return {"pages": names, "views": views, "sidebar": sidebar}


def problems(views: list) -> list[str]:
    lines = []
    for view in views:
        where = f"{view.viewport} {view.url}"
        if view.load_error:
            lines.append(f"{where}: did not load ({view.load_error})")
            continue
        if view.sidebar_width > 1:
            lines.append(f"{where}: the sidebar is open ({view.sidebar_width:.0f} px of it on the screen)")
        lines += [f"{where}: {kind} {text!r} {how}" for kind, text, how in view.cut]
        lines += [f"{where}: {kind} {text!r} is {px:g} px" for kind, text, px in view.small]
    return lines


PAGES = ["", "presenter", "pixels", "loading", "exploring", "preparing", "unsupervised", "supervised", "case_study"]


@pytest.mark.e2e
def test_the_crawl_covers_every_page_of_the_navigation_and_measures_what_it_judges(hall):
    assert hall["pages"] == PAGES  # a new page gets its own test below
    assert len(hall["views"]) >= 2 * len(PAGES)
    # not a vacuous pass: the crawl found and measured the kinds of text it judges
    seen = {kind for view in hall["views"] for kind, found in view.sizes.items() if found}
    assert {"plotly text", "metric value", "metric label", "table cell"} <= seen, seen
    home = [v for v in hall["views"] if v.url.endswith("/?lecturer=1")]
    assert len(home) == len(VIEWPORTS) and all(v.sizes["table cell"] for v in home)  # the samples' st.table
    ticks = [px for view in hall["views"] for _, px in view.sizes.get("plotly text", [])]
    assert len(ticks) > 100


@pytest.mark.e2e
def test_the_sidebar_opened_in_lecturer_mode_shows_whole_page_names(hall):
    for viewport in VIEWPORTS:
        assert hall["sidebar"][f"{viewport} nav links"] == len(PAGES)
        assert hall["sidebar"][viewport] == [], viewport


@pytest.mark.e2e
@pytest.mark.parametrize("name", PAGES)
def test_lecturer_mode_shows_the_page_whole_and_readable_from_the_back(hall, base_url, name):
    views = [v for v in hall["views"] if page_name(v.url, base_url) == name]
    assert views, f"/{name} was not visited"
    found = problems(views)
    assert found == [], "\n".join(found)


# The lecture's X in lesson 1: the editable 6 × 6 matrix (st.data_editor draws its cells on a canvas at the theme's
# size; lecturer mode shows the numbers as a room-sized table and folds the editor under them).
MATRIX_PAGE = "/pixels?section=Pixels&lecturer=1"
FOCUSED = "() => [document.activeElement.tagName, document.activeElement.getAttribute('data-testid') || '']"
IN_GRID = ("glide-cell-", "data-grid-canvas")  # glide-data-grid's cells, or its canvas holding the selection


@pytest.mark.e2e
def test_an_editable_matrix_shows_its_numbers_at_room_size_and_is_still_edited_by_keyboard(browser, base_url):
    from playwright.sync_api import expect

    from core.pixels import x_matrix

    context = browser.new_context(viewport=VIEWPORTS["1280x720"])
    page = context.new_page()
    try:
        page.goto(base_url + MATRIX_PAGE)
        wait_idle(page)
        main = page.locator('[data-testid="stMain"]')
        cells = main.locator('[data-testid="stTable"]').first.locator("tbody td")
        expect(cells).to_have_count(x_matrix().size)  # the matrix's numbers, as a plain table
        assert cells.all_inner_texts() == [f"{v:g}" for v in x_matrix().ravel()]
        sizes = cells.evaluate_all("cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
        assert min(sizes) >= ROOM_PX, sizes
        assert cells.first.bounding_box()["y"] < VIEWPORTS["1280x720"]["height"]  # on the first screen
        grid = main.locator('[data-testid="stDataFrame"]')
        expect(grid).to_have_count(1)
        expect(grid).to_be_hidden()  # the editor's theme-sized canvas is folded away
        # the keyboard's way: Tab to the fold, Enter, Tab past the grid's toolbar into its cells, type a value
        fold = main.locator('[data-testid="stExpander"] summary', has_text="Edit the numbers")
        fold.focus()
        page.keyboard.press("Enter")
        expect(grid).to_be_visible()
        path = []
        for attempt in range(2):
            if attempt:  # a late rerun (the browser's saved progress coming back) can take the focus to the page
                wait_idle(page)
                fold.focus()
            for _ in range(10):
                page.keyboard.press("Tab")
                path.append(page.evaluate(FOCUSED))
                if path[-1][1].startswith(IN_GRID):
                    break
            if path[-1][1].startswith(IN_GRID):
                break
        assert path[-1][1].startswith(IN_GRID), path  # the grid has the keyboard (its first cell)
        page.keyboard.press("ArrowRight")
        page.keyboard.type("7")
        page.wait_for_timeout(600)  # the cell's editor opens with the typed digit
        page.keyboard.press("Enter")
        wait_idle(page)
        expect(cells.nth(1)).to_have_text("7")  # row 0, column 1, at room size
        assert cells.all_inner_texts()[2:] == [f"{v:g}" for v in x_matrix().ravel()[2:]]
        picture = main.locator('[data-testid="stImage"] img').first
        expect(picture).to_have_attribute("alt", re.compile(r"values 0 to 7\b"))  # the picture follows
    finally:
        context.close()


# --- fast: the figures' sizing itself -----------------------------------------------------------------------


def small_figure() -> go.Figure:
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=("Stored values", "Histogram"))
    figure.add_trace(go.Heatmap(z=[[1, 2], [3, 4]], texttemplate="%{z}", textfont={"size": 9},
                                colorbar={"title": {"text": "HU"}, "tickfont": {"size": 10}}), 1, 1)
    figure.add_trace(go.Bar(x=[1, 2], y=[3, 4], name="counts", text=["3", "4"]), 1, 2)
    figure.update_layout(title="Small", height=300, margin={"t": 20, "l": 0, "r": 0, "b": 0}, font_size=11,
                         legend_font_size=10, xaxis_tickfont_size=8, yaxis2_title_text="count")
    return figure


def test_size_for_room_raises_every_text_of_a_figure_and_makes_room_for_it():
    from ui.room import size_for_room

    figure = small_figure()
    before = figure.to_plotly_json()
    room = size_for_room(figure)
    assert figure.to_plotly_json() == before  # the original (perhaps cached) figure is untouched
    layout = room.layout
    sizes = [layout.font.size, layout.legend.font.size, room.data[0].textfont.size, room.data[1].textfont.size,
             room.data[0].colorbar.tickfont.size, room.data[0].colorbar.title.font.size,
             *[a.font.size for a in layout.annotations]]
    for axis in [*room.select_xaxes(), *room.select_yaxes()]:
        sizes += [axis.tickfont.size, axis.title.font.size]
        assert axis.automargin is True
    assert len(sizes) == 16 and min(sizes) == ROOM_PX
    assert layout.title.font.size > ROOM_PX
    assert layout.margin.t > 20 + 2 * ROOM_PX  # the title and the subplot titles get their room
    assert layout.height > 300  # the plot keeps its size
    bigger = size_for_room(go.Figure(layout={"font": {"size": 40}}))
    assert bigger.layout.font.size == 40  # larger type is kept


def test_show_figure_sizes_figures_for_the_room_in_lecturer_mode_only():
    import json

    from streamlit.testing.v1 import AppTest

    def page():
        import plotly.graph_objects as go
        import streamlit as st

        from ui.alt import show_figure

        st.session_state.setdefault("lecturer", False)
        show_figure(st, go.Figure(go.Heatmap(z=[[1, 2]], texttemplate="%{z}"), layout={"font": {"size": 11}}))

    at = AppTest.from_function(page)
    at.run()
    [chart] = at.get("plotly_chart")
    assert json.loads(chart.proto.spec)["layout"]["font"]["size"] == 11
    at.session_state["lecturer"] = True
    at.run()
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["font"]["size"] == ROOM_PX and spec["data"][0]["textfont"]["size"] == ROOM_PX



def test_size_for_room_moves_a_legend_from_under_the_plot_to_beside_it():
    from ui.room import size_for_room

    figure = go.Figure(go.Scatter(y=[1, 2], name="otsu -180.1"), layout={
        "legend": {"orientation": "h", "y": -0.3, "x": 0}, "xaxis": {"title": {"text": "value"}}})
    room = size_for_room(figure)
    assert room.layout.legend.orientation == "v" and room.layout.legend.x > 1 and room.layout.legend.y == 1
    assert figure.layout.legend.orientation == "h"  # the learner's figure is left as it was
    above = size_for_room(go.Figure(go.Scatter(y=[1]), layout={"legend": {"orientation": "h", "y": 1.08}}))
    assert above.layout.legend.orientation == "h" and above.layout.legend.y == 1.08  # clear of the axis: kept


def test_size_for_room_makes_room_for_an_axis_on_top_under_the_title():
    from ui.room import ROOM_PX as PX, size_for_room

    def grid(side: str) -> go.Figure:
        return go.Figure(go.Heatmap(z=[[1, 2]]), layout={"title": {"text": "Recombined"}, "margin": {"t": 95},
                                                         "xaxis": {"side": side, "title": {"text": "column"}}})
    title_px = round(PX * 1.25)
    assert size_for_room(grid("top")).layout.margin.t == 2 * title_px + PX // 2 + 3 * PX  # ticks and axis title too
    assert size_for_room(grid("bottom")).layout.margin.t == 95  # enough for the title alone: kept

def test_size_for_room_gives_no_colour_bar_to_a_trace_that_shows_no_scale():
    from ui.room import size_for_room

    figure = go.Figure([go.Bar(x=[1, 2], y=[3, 4], marker_color="#1f77b4"),
                        go.Scatter(x=[1, 2], y=[1, 2], mode="markers", marker={"color": [1, 2], "showscale": True})])
    room = size_for_room(figure).to_plotly_json()
    assert "colorbar" not in room["data"][0].get("marker", {})  # styling one would make plotly draw it
    assert room["data"][1]["marker"]["colorbar"]["tickfont"]["size"] == ROOM_PX


def test_size_for_room_labels_a_log_axis_by_decades_only():
    from ui.room import size_for_room

    figure = go.Figure(go.Bar(x=[1, 2, 3], y=[3, 40, 900]), layout={"yaxis": {"type": "log"}})
    room = size_for_room(figure)
    assert room.layout.yaxis.dtick == 1  # no small "2" and "5" labels between the decades
    assert size_for_room(go.Figure(layout={"yaxis": {"type": "log", "dtick": "D2"}})).layout.yaxis.dtick == "D2"
