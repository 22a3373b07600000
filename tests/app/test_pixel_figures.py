"""ui.pixel_figures.grids_figure: small grids side by side, each on its own square axes, titled, rows downwards."""

from __future__ import annotations

import numpy as np

from ui.pixel_figures import grids_figure


def test_each_panel_has_its_own_axes_ticks_and_title():
    panels = [{"values": np.arange(6).reshape(2, 3), "title": "slice 4", "top": 10, "left": 20},
              {"values": np.ones((3, 2)), "title": "", "scale": "red", "zmin": 0, "zmax": 2},
              {"values": np.full((1, 1), 7.0), "title": "slice 6 (the one above)", "top": 5, "left": 5}]
    figure = grids_figure(panels, height=333)
    layout = figure.layout

    assert [(t.xaxis, t.yaxis) for t in figure.data] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert np.array_equal(figure.data[0].z, panels[0]["values"]) and figure.data[2].z[0][0] == 7
    assert list(layout.yaxis.tickvals) == [10, 11] and list(layout.xaxis.tickvals) == [20, 21, 22]
    assert list(layout.yaxis2.tickvals) == [0, 1, 2] and list(layout.xaxis2.tickvals) == [0, 1]
    for n in ("", "2", "3"):
        x, y = layout[f"xaxis{n}"], layout[f"yaxis{n}"]
        assert y.autorange == "reversed" and y.scaleanchor == f"x{n}"  # rows downwards, square cells
        assert x.side == "top" and x.anchor == f"y{n}" and y.anchor == f"x{n}"
    domains = [layout[f"xaxis{n}"].domain for n in ("", "2", "3")]
    assert domains[0][0] == 0 and domains[-1][1] == 1
    assert all(a[1] < b[0] for a, b in zip(domains, domains[1:]))  # side by side, with a gap
    # one title per titled panel, centred over it and lifted above the column numbers
    assert [(a.text, a.yshift) for a in layout.annotations] == [("slice 4", 28), ("slice 6 (the one above)", 28)]
    assert layout.annotations[1].x == (domains[2][0] + domains[2][1]) / 2
    assert layout.height == 333 and figure.data[1].zmax == 2 and figure.data[1].colorscale[-1][1] == "rgb(255,0,0)"


def test_the_same_panels_give_the_same_figure_twice():
    panels = [{"values": np.eye(3), "title": "a"}, {"values": np.eye(3) * 2, "title": "b"}]
    first, second = grids_figure(panels), grids_figure(panels)
    assert first.to_json() == second.to_json()  # the cached layout is copied, never changed in place
    panels[0]["title"] = "changed"
    assert grids_figure(panels).layout.annotations[0].text == "changed"
    assert grids_figure([{"values": np.eye(3), "title": "a"}]).layout.annotations[0].text == "a"
