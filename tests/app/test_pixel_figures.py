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


def test_the_regions_figure_counts_the_image_s_own_rows_and_columns_at_any_zoom():
    from ui.pixels_regions import regions_figure

    boxes = {"signal": ((10, 19), (30, 39)), "background": ((0, 4), (0, 9))}
    for scale, shown_side in ((2.0, 128), (0.5, 32)):  # a 64 × 64 image shown larger, and thinned
        shown = np.zeros((shown_side, shown_side, 3), np.uint8)
        figure = regions_figure(shown, scale, boxes, b"\x89PNG fake")
        image = figure.data[0]
        assert image.source.startswith("data:image/png;base64,")
        assert image.dx == image.dy == 1 / scale and image.x0 == -0.5 + image.dx / 2  # pixel 0 spans -0.5 to 0.5
        assert list(figure.layout.xaxis.range) == [-0.5, 63.5] and list(figure.layout.yaxis.range) == [63.5, -0.5]
        assert figure.layout.dragmode == "select" and figure.layout.yaxis.scaleanchor == "x"
        outlines = {s.name: (s.x0, s.x1, s.y0, s.y1) for s in figure.layout.shapes}
        assert outlines == {"signal": (29.5, 39.5, 9.5, 19.5), "background": (-0.5, 9.5, -0.5, 4.5)}
        grid = figure.data[1]
        assert grid.marker.opacity == 0 and max(grid.x) == 63 and max(grid.y) == 63  # plotly selects on them


def test_value_grids_for_a_room_print_24_pixel_numbers_in_cells_wider_than_tall():
    from ui.pixel_figures import ROOM_TEXT, colour_grid, value_grid

    window = np.arange(144).reshape(12, 12) * 100 - 1000  # five characters: "-1000"
    learner, room = value_grid(window), value_grid(window, room=True)
    assert learner.data[0].textfont.size < ROOM_TEXT <= room.data[0].textfont.size
    assert learner.layout.yaxis.scaleanchor == "x" and room.layout.yaxis.scaleanchor is False
    assert value_grid(np.eye(6), room=True).data[0].textfont.size == ROOM_TEXT + 2
    rgb = np.zeros((12, 12, 3), np.uint8)
    assert colour_grid(rgb, room=True).data[1].textfont.size == ROOM_TEXT
    assert grids_figure([{"values": np.eye(6)}], room=True).data[0].textfont.size >= ROOM_TEXT


def test_panels_on_the_same_rows_number_them_once_and_a_monochrome1_panel_shades_low_values_white():
    same = [{"values": np.eye(3), "top": 7, "scale": "grey inverted"}, {"values": np.eye(3), "top": 7},
            {"values": np.eye(3), "top": 8}]
    layout = grids_figure(same, room=True).layout
    assert layout.yaxis.showticklabels is None and list(layout.yaxis.tickvals) == [7, 8, 9]
    assert layout.yaxis2.showticklabels is False  # the same rows as on its left: they would sit in the gap
    assert layout.yaxis3.showticklabels is None  # other rows keep their numbers
    inverted = grids_figure(same).data[0].colorscale
    assert inverted[0][1] == "white" and inverted[-1][1] == "black"
