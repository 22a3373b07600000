"""The EDA page's snippets run as they are and print the numbers core computes."""

import re

import numpy as np
import pytest
from snippet_runs import run_here

from core import eda, samples
from core.snippets import eda as eda_snippets
from core.io import load_image
from core.data.noise import NOISE_KINDS, add_noise

NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?|inf|nan)"


def run(code: str, cwd=None, monkeypatch=None) -> str:
    """Execute a snippet in a fresh namespace, as a plain Python session would, and return what it prints."""
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return run_here(code)


def printed_stats(text: str) -> dict[str, dict[str, float]]:
    """Per image: bins, sum, the tallest bin (most common value, or its edges) and its proportion, mean, median,
    p1, p99 and SNR as printed."""
    found = {}
    pattern = (rf"(.+?) \| bins (\d+) \| sum of proportions {NUMBER}\n"
               rf"   (?:most common value {NUMBER}|tallest bin from {NUMBER} to {NUMBER}) with {NUMBER}\n"
               rf"   mean {NUMBER} median {NUMBER} p1 {NUMBER} p99 {NUMBER}(?:\n   SNR {NUMBER})?")
    for m in re.finditer(pattern, text):
        keys = ("bins", "sum", "most common value", "tallest bin from", "tallest bin to", "its proportion", "mean",
                "median", "1st percentile", "99th percentile", "SNR")
        found[m.group(1)] = {k: float(v) for k, v in zip(keys, m.groups()[1:]) if v is not None}
    return found


def assert_matches(text: str, view: eda.HistogramView) -> None:
    printed = printed_stats(text)
    assert list(printed) == list(view.table["image"])
    peak = ("most common value",) if view.per_level else ("tallest bin from", "tallest bin to")
    for row in view.table.to_dict("records"):
        numbers = printed[row["image"]]
        assert numbers["bins"] == view.bins and numbers["sum"] == pytest.approx(1.0)
        assert set(peak) <= set(numbers) and set(peak) <= set(row)  # the table's words, printed
        for key in (*peak, "its proportion", "mean", "median", "1st percentile", "99th percentile"):
            assert numbers[key] == pytest.approx(row[key], rel=1e-6, abs=1e-9), key
        if np.isfinite(row["SNR"]) or np.isinf(row["SNR"]):
            assert numbers["SNR"] == pytest.approx(row["SNR"], rel=1e-6)


def test_table_snippet_prints_the_tables_numbers(cohort, table):
    text = run(eda_snippets.table_snippet(eda_snippets.COHORT_FILES))
    counts = eda.summary_counts(table)
    assert f"files {counts['files']} images {counts['images']} unreadable files {counts['unreadable files']}" in text
    assert f"patients {counts['patients']} series {counts['series']}" in text
    rows = table.set_index("file")
    seen = 0
    for line in text.splitlines():
        tokens = line.split()
        name = " ".join(tokens[:-8])
        if name in rows.index and rows.loc[name, "readable"]:
            row, numbers = rows.loc[name], [float(t) for t in tokens[-7:]]
            assert tokens[-8] == row["modality"]
            spacing = pytest.approx(row["row spacing (mm)"], nan_ok=True)  # NaN: no PixelSpacing, unknown
            assert numbers[:4] == [row["rows"], row["columns"], spacing, row["bit depth"]]
            assert numbers[4:] == pytest.approx([row["min"], row["max"], row["mean"]], rel=1e-6)
            seen += 1
    assert seen == counts["images"]
    assert cohort.problems["unreadable"][0] in text.split("why unreadable")[-1]


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_histogram_snippet_with_a_noisy_copy_matches_core(cohort, kind):
    name = "P03_MR.dcm"
    data = load_image(dict(cohort.files)[name], name).data
    strength = {"gaussian": 30.0, "salt and pepper": 0.05, "poisson": 0.3, "rician": 30.0}[kind]
    noisy = add_noise(data, kind, strength, seed=0)
    label = f"with {kind} noise ({strength:g})"
    view = eda.compare_histograms([(name, data, data), (label, noisy, noisy)], 256)
    code = eda_snippets.histogram_snippet(eda_snippets.cohort_file_code(name), name, view.integer, 256,
                                          per_level=view.per_level, other_label=label, noise=(kind, strength, 0))
    assert_matches(run(code), view)


def test_histogram_snippet_comparing_two_files_with_one_bin_per_level(cohort):
    files = dict(cohort.files)
    first, second = (load_image(files[n], n).data for n in ("P16_screenshot.dcm", "P03_MR.dcm"))
    view = eda.compare_histograms([("P16_screenshot.dcm", first, first), ("P03_MR.dcm", second, second)], 1024)
    assert view.per_level and view.bins == int(second.max()) + 1  # levels 0 to the MR maximum
    code = eda_snippets.histogram_snippet(
        eda_snippets.cohort_file_code("P16_screenshot.dcm"), "P16_screenshot.dcm", view.integer, 1024,
        per_level=view.per_level, other_code=eda_snippets.cohort_file_code("P03_MR.dcm", "other"),
        other_label="P03_MR.dcm")
    assert_matches(run(code), view)


def test_histogram_snippet_of_a_nan_filled_float_image(cohort):
    name = "P15_MR_T2map.dcm"
    data = load_image(dict(cohort.files)[name], name).data
    view = eda.compare_histograms([(name, data, data)], 128)
    text = run(eda_snippets.histogram_snippet(eda_snippets.cohort_file_code(name), name, view.integer, 128,
                                              per_level=view.per_level))
    assert_matches(text, view)
    assert "SNR nan" in text


@pytest.mark.parametrize("name", samples.names())
def test_histogram_snippet_of_the_current_sample(name):
    volume = samples.load(name)
    grey = None if volume.rgb else volume.frame(0)
    view = eda.compare_histograms([(volume.name, volume.data, grey)], 256)
    frame = None if volume.rgb else ("values[0]" if volume.is_4d else "values")
    read = eda_snippets.sample_code(samples.info(name), volume.source_format)
    assert ("core" in read) == (not samples.info(name).package)  # found by the library that ships it
    code = eda_snippets.histogram_snippet(read, volume.name, view.integer, 256, per_level=view.per_level,
                                          snr_frame=frame)
    text = run(code)
    assert_matches(text, view)
    assert ("SNR" in text) == (not volume.rgb)


def test_pooled_histogram_snippet_matches_core(cohort, table):
    rows = table[table["readable"] & (table["modality"] == "CT")]
    bins, span = eda.histogram_bins(rows["min"].min(), rows["max"].max(), True, 256)
    files = dict(cohort.files)
    histogram, stats = eda.pooled_histogram((load_image(files[n], n).data for n in rows["file"]), bins, span)
    text = run(eda_snippets.pooled_histogram_snippet(eda_snippets.COHORT_FILES, "CT", True, 256))
    head = re.search(rf"CT images (\d+) pixels (\d+) bins (\d+) sum of proportions {NUMBER}", text)
    assert [int(v) for v in head.groups()[:3]] == [len(rows), histogram.n_values, bins]
    assert float(head.group(4)) == pytest.approx(1.0)
    numbers = dict(zip(("mean", "median", "p1", "p99"), (float(v) for v in re.search(
        rf"mean {NUMBER} median {NUMBER} p1 {NUMBER} p99 {NUMBER}", text).groups())))
    assert numbers == pytest.approx(stats, rel=1e-9)


def test_upload_read_code_gives_the_values_core_loads(tmp_path, monkeypatch):
    cases = [(samples.info("CT: chest slice (pydicom CT_small)").path, "DICOM"),
             (samples.info("MRI 3D: subject head (nibabel anatomical.nii)").path, "NIfTI-1"),
             (samples.info("Phantom: Shepp-Logan head (scikit-image)").path, "PNG")]
    for path, fmt in cases:
        name = path.rsplit("/", 1)[-1]
        (tmp_path / name).write_bytes(open(path, "rb").read())
        namespace = {}
        monkeypatch.chdir(tmp_path)
        exec("import io\nimport numpy as np\nimport pydicom\n" + eda_snippets.upload_file_code(name, fmt), namespace)
        expected = load_image(path).data
        assert np.array_equal(np.sort(np.ravel(namespace["values"])), np.sort(expected.ravel())), fmt


def test_upload_read_code_of_a_dicom_series(tmp_path, monkeypatch):
    files = samples.mni_dicom_series(step=20)
    (tmp_path / "my_series").mkdir()
    for name, data in files:
        (tmp_path / "my_series" / name).write_bytes(data)
    namespace = {}
    monkeypatch.chdir(tmp_path)
    exec("import io\nimport numpy as np\nimport pydicom\n" + eda_snippets.upload_file_code("IM0001.dcm (+9 slices)",
                                                                                       "DICOM series"), namespace)
    from core.io import load_series

    expected = load_series(files).data
    assert namespace["values"].shape == expected.shape
    assert np.array_equal(np.sort(namespace["values"].ravel()), np.sort(expected.ravel()))
