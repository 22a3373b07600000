"""Exploratory data analysis: the table against pydicom, the quality report against the answer key, histograms, SNR."""

import io
import zipfile

import imageio.v3 as iio
import numpy as np
import pandas as pd
import pydicom
import pytest

from core import eda, samples


def test_every_deliberate_problem_is_found_and_no_clean_file_is_flagged(cohort, table):
    findings = {f.check: f for f in eda.quality_report(table)}
    for check, names in cohort.problems.items():
        assert check in findings, f"{check} not found"
        assert set(names) <= set(findings[check].files), (check, findings[check].files)
    assert eda.flagged_files(list(findings.values())) <= cohort.problem_files
    assert all(findings[c].fix for c in findings)
    assert [f.severity for f in findings.values()][:3] == ["error"] * 3  # unreadable, constant, NaN first


def test_table_numbers_match_pydicom_read_directly(cohort, table):
    rows = table.set_index("file")
    for name, data in cohort.files:
        row = rows.loc[name]
        ds = pydicom.dcmread(io.BytesIO(data))
        try:
            stored = ds.pixel_array
        except Exception:
            assert not row["readable"] and "truncated" in row["why unreadable"]
            continue
        values = stored.astype(np.float64) * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
        finite = values[np.isfinite(values)]
        assert row["readable"] and row["modality"] == ds.Modality
        assert (row["rows"], row["columns"], row["slices"]) == (ds.Rows, ds.Columns, 1)
        spacing = [float(v) for v in ds.get("PixelSpacing", [np.nan, np.nan])]  # none recorded: unknown, not 1 mm
        assert (row["row spacing (mm)"], row["column spacing (mm)"]) == pytest.approx(spacing, nan_ok=True)
        assert row["bit depth"] == ds.get("BitsStored", ds.BitsAllocated)
        assert row["min"] == finite.min() and row["max"] == finite.max()
        assert row["mean"] == pytest.approx(finite.mean(), rel=1e-9)
        assert row["non-finite (%)"] == pytest.approx(100 * (1 - finite.size / values.size))
        assert row["sex"] == ds.PatientSex and row["age"] == int(ds.PatientAge[:3])


def test_summary_counts_patients_and_series_from_their_ids(cohort, table):
    readable = [pydicom.dcmread(io.BytesIO(d), stop_before_pixels=True) for n, d in cohort.files
                if n not in cohort.problems["unreadable"]]
    assert eda.summary_counts(table) == {
        "files": len(cohort.files), "images": len(readable), "patients": len({ds.PatientID for ds in readable}),
        "series": len({ds.SeriesInstanceUID for ds in readable}), "unreadable files": 1,
    }


def test_identifying_fields_never_reach_the_table(cohort, table):
    text = table.to_csv()
    assert "FAKE^" not in text and "DEMO-" not in text and "Nowhere" not in text
    ds = pydicom.dcmread(io.BytesIO(cohort.files[0][1]), stop_before_pixels=True)
    assert ds.SeriesInstanceUID not in text and ds.StudyDate not in text
    assert table["patient"].iloc[0] == "patient 1" and table["series"].iloc[0] == "series 1"


def _png(array: np.ndarray) -> bytes:
    return iio.imwrite("<bytes>", array, extension=".png")


def test_uploads_mixing_formats_zips_and_bad_files_give_one_row_each(cohort):
    files = dict(cohort.files)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a/P03_MR.dcm", files["P03_MR.dcm"])
        z.writestr("b/P03_MR.dcm", files["P04_MR.dcm"])  # the same name in another folder
        z.writestr("notes.txt", b"not an image")
    uploads = [("set.zip", archive.getvalue()), ("broken.zip", b"PK\x03\x04broken"),
               ("grey.png", _png(np.arange(64, dtype=np.uint8).reshape(8, 8))),
               ("head.nii", open(samples.info("MRI 3D: subject head (nibabel anatomical.nii)").path, "rb").read())]
    expanded = eda.expand_zips(uploads)
    assert [n for n, _ in expanded] == ["set.zip/P03_MR.dcm", "set.zip/P03_MR.dcm (2)", "set.zip/notes.txt",
                                        "broken.zip", "grey.png", "head.nii"]
    progress = []
    table = eda.file_table(expanded, progress=lambda i, n, name: progress.append((i, n)))
    assert progress[-1] == (6, 6)
    rows = table.set_index("file")
    assert list(rows["readable"]) == [True, True, False, False, True, True]
    assert "not a recognised image" in rows.loc["set.zip/notes.txt", "why unreadable"]
    assert "damaged" in rows.loc["broken.zip", "why unreadable"]
    assert (rows.loc["grey.png", "min"], rows.loc["grey.png", "max"], rows.loc["grey.png", "mean"]) == (0, 63, 31.5)
    assert (rows.loc["head.nii", "slices"], rows.loc["head.nii", "format"]) == (25, "NIfTI-1")
    assert eda.summary_counts(table)["series"] == 4  # two DICOM series, the PNG and the NIfTI


def test_outliers_gaps_and_orientation_rules_on_a_small_table():
    base = {"readable": True, "why unreadable": "", "format": "DICOM", "modality": "CT", "series": "series 1",
            "rows": 512, "columns": 512, "row spacing (mm)": 0.7, "column spacing (mm)": 0.7,
            "slice thickness (mm)": 2.0, "orientation": "PL", "min": -1000.0, "max": 2000.0, "non-finite (%)": 0.0,
            "at max (%)": 0.0, "at min, not background (%)": 0.0, "SNR": 40.0}
    rows = [dict(base, file=f"f{i}", **{"position (mm)": 2.0 * i, "pixel hash": str(i)}) for i in (0, 1, 2, 4, 5)]
    rows[1].update({"row spacing (mm)": 1.5, "column spacing (mm)": 1.5})  # 1.5 / 0.7 > 2
    rows[2]["orientation"] = "AL"
    table = pd.DataFrame(rows)
    findings = {f.check: f for f in eda.quality_report(table)}
    assert set(findings) == {"spacing", "orientation", "slice positions"}
    assert findings["spacing"].files == ("f1",)
    assert "rows towards the anterior" in findings["orientation"].notes["f2"]
    assert findings["slice positions"].files == ("f2", "f4")
    assert "4 mm" in findings["slice positions"].notes["f2"]


def test_noise_sigma_and_snr_against_known_noise():
    rng = np.random.default_rng(1)
    assert eda.noise_sigma(rng.normal(0, 10, (256, 256))) == pytest.approx(10, rel=0.03)
    assert eda.noise_sigma(rng.normal(0, 5, (32, 64, 64))) == pytest.approx(5, rel=0.03)
    image = np.zeros((256, 256))
    image[64:192, 64:192] = 100.0
    noisy = image + rng.normal(0, 10, image.shape)
    assert eda.snr_estimate(noisy) == pytest.approx(10, rel=0.05)  # contrast 100, noise 10
    padded = np.pad(noisy, 100, constant_values=noisy.min())  # padding at the minimum is left out
    assert eda.noise_sigma(padded) == pytest.approx(10, rel=0.05)
    assert eda.snr_estimate(image) == float("inf")  # a noiseless phantom
    assert np.isnan(eda.snr_estimate(np.full((8, 8), 3.0)))
    assert np.isnan(eda.snr_estimate(np.where(image > 0, np.nan, 1.0)))


def test_saturation_leaves_out_the_background_touching_the_border():
    image = np.full((10, 10), 5.0)
    image[0, :] = 0  # background row along the border
    image[4:6, 4:6] = 0  # a clipped dark patch inside: 4 %
    image[8, 8] = 9  # one pixel at the maximum: 1 %
    assert eda.saturation(image) == pytest.approx((1.0, 4.0))
    assert eda.saturation(np.zeros((4, 4))) == (0.0, 0.0)


def test_parse_age_and_pixel_digest():
    assert eda.parse_age("045Y") == 45 and eda.parse_age("018M") == 1.5 and eda.parse_age("104Y") == 90
    assert np.isnan(eda.parse_age(None)) and np.isnan(eda.parse_age("old"))
    a = np.arange(6).reshape(2, 3)
    assert eda.pixel_digest(a) == eda.pixel_digest(a.copy()) != eda.pixel_digest(a.reshape(3, 2))
    assert eda.pixel_digest(a) != eda.pixel_digest(a.astype(np.int32))


def test_histogram_proportions_sum_to_one_with_one_bin_per_level():
    values = np.array([[0, 0, 1, 3], [3, 3, 3, 255]], dtype=np.uint8)
    bins, span = eda.histogram_bins(0, 255, True)
    histogram = eda.intensity_histogram(values, bins, span)
    assert bins == 256 and histogram.proportions.sum() == pytest.approx(1.0)
    assert histogram.proportions[[0, 1, 3, 255]].tolist() == [0.25, 0.125, 0.5, 0.125]
    assert histogram.centres[3] == 3.0
    float_values = np.array([0.0, 0.5, np.nan, 1.0, np.inf])
    low, high, integer = eda.common_extent([float_values, np.array([np.nan])])
    assert (low, high, integer) == (0.0, 1.0, False)
    histogram = eda.intensity_histogram(float_values, *eda.histogram_bins(low, high, integer, 4))
    assert histogram.proportions.sum() == pytest.approx(1.0) and histogram.n_nonfinite == 2
    assert eda.histogram_bins(-1000, 3000, True, 256) == (256, (-1000.0, 3000.0))


def test_pooled_histogram_matches_the_histogram_of_all_pixels():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 200, (20, 30)), rng.integers(50, 255, (10, 10))]
    bins, span = eda.histogram_bins(0, 254, True)
    pooled, stats = eda.pooled_histogram(images, bins, span)
    everything = np.concatenate([i.ravel() for i in images])
    direct = eda.intensity_histogram(everything, bins, span)
    assert np.allclose(pooled.proportions, direct.proportions) and pooled.proportions.sum() == pytest.approx(1.0)
    exact = eda.value_stats(everything)
    assert stats["mean"] == pytest.approx(exact["mean"])
    for key in ("median", "p1", "p99"):
        assert abs(stats[key] - exact[key]) <= 1  # one bin per level: within one grey level


def test_a_file_without_a_recorded_pixel_size_has_an_unknown_spacing_never_1_mm(cohort, table):
    """A DICOM without PixelSpacing, a PNG, a JPEG: empty spacing cells, no spacing finding, no dot on the chart."""
    png = io.BytesIO()
    iio.imwrite(png, np.arange(64, dtype=np.uint8).reshape(8, 8), extension=".png")
    rows = eda.file_table([("photo.png", png.getvalue())]).set_index("file")
    assert rows.loc["photo.png", "readable"]
    assert rows.loc["photo.png", ["row spacing (mm)", "column spacing (mm)", "slice thickness (mm)"]].isna().all()
    csv = pd.read_csv(io.StringIO(rows.reset_index().to_csv(index=False)))  # the download: empty cells
    only_unknown = eda.overview_figures(rows.reset_index())["spacing"]  # no known spacing at all: an empty chart
    assert not only_unknown.data
    assert "1 image(s) record no spacing (unknown, not shown)" in eda.overview_notes(rows.reset_index())["spacing"]
    assert csv[["row spacing (mm)", "column spacing (mm)"]].isna().all().all()
    no_spacing = [n for n, d in cohort.files
                  if "PixelSpacing" not in pydicom.dcmread(io.BytesIO(d), stop_before_pixels=True)]
    assert no_spacing
    unknown = table.set_index("file").loc[no_spacing]
    assert unknown[unknown["readable"]][["row spacing (mm)", "column spacing (mm)"]].isna().all().all()
    spacing = eda.overview_figures(table)["spacing"]
    shown = sorted(name for trace in spacing.data for name in trace.hovertext)
    assert shown == sorted(table[table["readable"] & table["row spacing (mm)"].notna()]["file"])
    assert not set(no_spacing) & set(shown)
    assert f"{len(no_spacing)} image(s) record no spacing (unknown, not shown)" in eda.overview_notes(table)["spacing"]
    findings = {f.check: f for f in eda.quality_report(table)}
    assert not set(no_spacing) & set(findings["spacing"].files if "spacing" in findings else ())


def test_figures_show_the_dataset(table):
    figures = eda.overview_figures(table)
    assert set(figures) == {"dimensions", "spacing", "modality", "age"}
    modality = {t.name: int(sum(t.y)) for t in figures["modality"].data}
    assert modality == {"MR": 29, "CT": 12, "OT": 1}
    assert eda.overview_notes(table)["age"] == "One count per patient: 22 patients."
    assert all(len(f.layout.title.text) <= 30 for f in figures.values())  # whole on half a 1280 px projector
    values = np.arange(100)
    curves = [("a", eda.intensity_histogram(values, 100, (-0.5, 99.5)), eda.value_stats(values))]
    figure = eda.histogram_figure(curves, log=True)
    assert len(figure.data) == 1 and figure.layout.yaxis.type == "log" and len(figure.layout.shapes) == 4
    assert len(eda.snr_figure(table).data) == 3



@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("marks", [False, True])
def test_the_histogram_figure_is_one_plotly_accepts(log, marks):
    """Built without plotly's checks (a slider redraws it): the same figure built with them raises nothing."""
    import plotly.graph_objects as go

    values = np.arange(100.0)
    curves = [(label, eda.intensity_histogram(v, 50, (-0.5, 199.5)), eda.value_stats(v))
              for label, v in (("a <b>", values), ("b", values + 100))]
    figure = eda.histogram_figure(curves, log=log, marks=marks)
    checked = go.Figure(figure.to_plotly_json())
    assert [t.name for t in checked.data] == ["a &lt;b&gt;", "b"] and checked.data[0].line.shape == "hvh"
    assert len(checked.layout.shapes) == (8 if marks else 0) and checked.layout.yaxis.type == ("log" if log else "linear")
    assert checked.layout.yaxis.tickformat == (None if log else ".1%")
    assert checked.layout.yaxis.exponentformat == ("power" if log else None)
    # 50 bins of 4 levels: the hover names the x of a bin its centre, not a value of the image
    assert checked.data[0].hovertemplate.startswith("bin centre %{x")
    assert eda.histogram_figure(curves, per_level=True).data[0].hovertemplate.startswith("value %{x")
    with pytest.raises(ValueError):  # what the check catches, and a figure built without it would not
        go.Figure({"data": [{"type": "scatter", "colour": "red"}]})


def test_compare_histograms_uses_the_numbers_it_is_given_and_computes_the_others():
    image = np.add.outer(np.arange(64.0), np.arange(64.0))
    other = image[::-1] * 2
    known = ({"mean": 1.0, "median": 2.0, "p1": 3.0, "p99": 4.0}, 5.0)
    view = eda.compare_histograms([("image", image, image), ("other", other, other)], 64, [known, None])
    assert len(view.table) == 2
    first, second = view.table.to_dict("records")
    assert (first["mean"], first["median"], first["1st percentile"], first["99th percentile"], first["SNR"]) == \
        (1.0, 2.0, 3.0, 4.0, 5.0)
    stats, snr = eda.image_numbers(other, other)
    assert stats == eda.value_stats(other) and stats["mean"] == pytest.approx(126.0)
    assert (second["mean"], second["median"], second["SNR"]) == (stats["mean"], stats["median"], snr)
    assert view.curves[0][2] == known[0]  # the marks of the chart are the same numbers
    alt = eda.histogram_alt(view)  # the chart's text alternative says each image's numbers
    assert alt.startswith("Histogram: the proportion of pixels in each of ") and "1st percentile 3, 99th 4." in alt
    assert "most common value" not in view.table  # 127 levels in 64 bins: its tallest bin, not a value
    assert f"other: tallest bin {second['tallest bin from']:.4g} to {second['tallest bin to']:.4g}" in alt
    images = [("image", image, image), ("other", other, other)]
    assert eda.compare_histograms(images, 64).table.equals(
        eda.compare_histograms(images, 64, [eda.image_numbers(image, image), None]).table)

def test_an_integer_image_with_wider_bins_than_its_levels_shows_its_tallest_bin_not_a_value():
    values = np.concatenate([np.arange(300), np.full(50, 7)]).reshape(35, 10)  # 7 is the most common value
    view = eda.compare_histograms([("image", values, None)], 10)  # 300 levels in 10 bins of width 29.9
    assert not view.per_level and view.integer
    assert "most common value" not in view.table  # a bin's centre (14.95) is no value of the image
    assert {"tallest bin from", "tallest bin to", "its proportion"} <= set(view.table)
    row = view.table.iloc[0]
    assert row["tallest bin from"] == 0.0 and row["tallest bin to"] == pytest.approx(29.9)
    assert row["its proportion"] == pytest.approx(80 / 350)  # 0 to 29 once each, and 7 fifty more times
    assert "image: tallest bin 0 to 29.9 (22.9% of its pixels)" in eda.histogram_alt(view)


def test_an_integer_image_with_one_bin_per_level_shows_its_most_common_value():
    values = np.concatenate([np.arange(300), np.full(50, 7)]).reshape(35, 10)
    view = eda.compare_histograms([("image", values, None)], 300)
    assert view.per_level and "tallest bin from" not in view.table
    assert {"most common value", "its proportion"} <= set(view.table)
    row = view.table.iloc[0]
    assert (row["most common value"], row["its proportion"]) == (7.0, pytest.approx(51 / 350))
    assert "image: most common value 7 (14.6% of its pixels)" in eda.histogram_alt(view)


def test_a_float_image_shows_its_tallest_bin():
    values = np.concatenate([np.linspace(0.0, 1.0, 101), np.full(20, 0.55), [np.nan]])
    view = eda.compare_histograms([("image", values, None)], 4)  # bins 0, 0.25, 0.5, 0.75, 1
    assert not view.integer and not view.per_level
    assert "most common value" not in view.table
    assert {"tallest bin from", "tallest bin to", "its proportion"} <= set(view.table)
    row = view.table.iloc[0]
    assert (row["tallest bin from"], row["tallest bin to"]) == (0.5, 0.75)
    assert row["its proportion"] == pytest.approx(45 / 121)  # 0.50 to 0.74, and 0.55 twenty more times
    assert "image: tallest bin 0.5 to 0.75 (37.2% of its pixels)" in eda.histogram_alt(view)


def test_noise_scale_is_half_the_percentile_spread_and_never_zero():
    assert eda.noise_scale(np.arange(1001)) == 490.0  # (990 - 10) / 2
    assert eda.noise_scale(np.array([0.0, np.nan, 0.002, np.inf] * 50)) == 0.001
    assert eda.noise_scale(np.zeros((4, 4))) == 1.0 and eda.noise_scale(np.full(3, np.nan)) == 1.0


def test_sorting_the_file_table_puts_the_clipped_image_first_and_missing_values_last(cohort, table):
    clipped = cohort.problems["saturation"][0]
    largest = eda.sort_rows(table, "at max (%)")
    assert largest["file"].iloc[0] == clipped
    assert largest["at max (%)"].iloc[0] == table["at max (%)"].max()
    assert largest["at max (%)"].dropna().is_monotonic_decreasing
    unreadable = list(cohort.problems["unreadable"])
    assert largest["file"].iloc[-len(unreadable):].tolist() == unreadable  # no number: last, in either order
    smallest = eda.sort_rows(table, "at max (%)", descending=False)
    assert smallest["at max (%)"].dropna().is_monotonic_increasing
    assert smallest["file"].iloc[-len(unreadable):].tolist() == unreadable
    ties = smallest[smallest["at max (%)"] == smallest["at max (%)"].iloc[0]]
    assert ties.index.is_monotonic_increasing  # equal values keep the table's order
    assert sorted(largest.index) == list(table.index) and list(largest.columns) == list(table.columns)
