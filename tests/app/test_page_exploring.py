"""AppTest of the Exploratory data analysis page: the cohort, every sample's histogram, uploads good and bad."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import eda, samples
from core.snippets import eda as eda_snippets
from core.data.cohort import LECTURE_IMAGE, build_cohort
from core.io import load_image
from core.data.noise import NOISE_KINDS, add_noise
from harness import choose_sample, page_test, problems, show_self_check, shown_code, upload, widget

PAGE = "lessons/exploring.py"
KEPT = "upload-outcome-eda"  # where ui.uploads.read_once keeps the learner's files once read
COHORT = build_cohort()
FILES = dict(COHORT.files)


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=180)
    app.run()
    assert not problems(app), problems(app)
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def table_rows(app) -> list[list[str]]:
    """The rows of the file table as the page shows them (one HTML table), its header first, each cell's text."""
    [source] = [h.proto.body for h in app.get("html") if 'class="eda-file-table"' in h.proto.body]
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", source)]


def file_table(app):
    """The file table of *One row per file* as the page writes it, every row (the learner's switch "All rows" on,
    where the table is long enough to have it): its cells as text, numbers as numbers."""
    every = [t for t in app.toggle if t.key == "eda_all_rows"]
    if every and not every[0].value:
        every[0].set_value(True).run()
    header, *rows = table_rows(app)
    table = pd.DataFrame(rows, columns=header)
    words = ["file", "readable", "why unreadable", "format", "modality", "patient", "series", "sex", "scanner",
             "orientation", "dtype", "pixel hash"]
    numbers = [c for c in table if c not in words]
    return table.assign(readable=table["readable"] == "True",
                        **{c: pd.to_numeric(table[c].replace("", np.nan)) for c in numbers})


def stats_table(app):
    return next(d.value for d in app.dataframe if "its proportion" in d.value.columns)


def options(app, key: str) -> list[str]:
    return widget(app, "selectbox", key).options


def open_section(app, name: str):
    """Choose a section of the lesson (the control at its top) and rerun."""
    widget(app, "button_group", "section").set_value(name)
    app.run()
    assert not problems(app), (name, problems(app))
    return app


def plotted(values) -> list:
    """A trace's values as plotly received them: a list, or a typed array (base64 bytes and a dtype)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_the_cohort_is_summarised_tabled_and_every_problem_reported(at):
    table = eda.file_table(COHORT.files)
    counts = eda.summary_counts(table)
    assert metrics(at) == {k.capitalize(): str(v) for k, v in counts.items()}
    shown = file_table(at)
    assert list(shown["file"]) == [n for n, _ in COHORT.files]
    assert (~shown["readable"]).any()  # the rows the next check reads exist
    assert shown.loc[~shown["readable"], "why unreadable"].str.contains("truncated").all()
    patients = shown.loc[shown["readable"], "patient"]  # counted from their IDs, shown as "patient N"
    assert len(patients) and patients.str.fullmatch(r"patient \d+").all()
    assert "FAKE^" not in shown.to_csv() and "DEMO-" not in shown.to_csv()
    assert not at.get("plotly_chart")  # the first section opens without a chart library to load
    assert any(d.label == "Download the table (CSV)" for d in at.get("download_button"))
    assert any("files = build_cohort().files" in c for c in shown_code(at))
    open_section(at, "Dimensions and metadata")
    assert [c.key for c in at.get("plotly_chart")] == ["eda-dimensions", "eda-spacing", "eda-modality", "eda-age"]
    spacing = json.loads(at.get("plotly_chart")[1].proto.spec)
    odd = [name for trace in spacing["data"] for name, x in zip(trace["hovertext"], plotted(trace["x"])) if x == 2.5]
    assert odd == list(COHORT.problems["spacing"])  # hovering names the file with the odd spacing
    open_section(at, "Histogram")
    assert [c.key for c in at.get("plotly_chart")] == ["eda-histogram"]
    open_section(at, "Quality report")
    text = " ".join(m.value for m in at.markdown)
    for finding in eda.quality_report(table):
        assert finding.title in text and finding.fix in text
    key = next(d.value for d in at.dataframe if "found" in d.value.columns)
    assert key["found"].all() and len(key) == len(COHORT.problems)
    assert [c.key for c in at.get("plotly_chart")] == ["eda-snr"]  # the SNR per image


def shown_files(app) -> list[str]:
    """The files of the rows the page shows, without asking for all of them."""
    return [row[0] for row in table_rows(app)[1:]]


def test_the_file_table_opens_with_its_first_ten_rows_and_all_are_one_switch_away(at):
    assert not at.dataframe  # the first section draws no canvas grid: the table is one block of HTML
    assert shown_files(at) == [n for n, _ in COHORT.files][:10]
    assert any(c.value == f"The first 10 of {len(COHORT.files)} rows, in the order of the files." for c in at.caption)
    widget(at, "toggle", "eda_all_rows").set_value(True).run()
    assert shown_files(at) == [n for n, _ in COHORT.files]
    assert widget(at, "toggle", "eda_all_rows").proto.query_param_key == "eda_all_rows"


def test_sort_by_reorders_the_file_table_and_brings_its_column_next_to_the_file(at):
    widget(at, "selectbox", "eda_sort").set_value("at max (%)").run()
    assert not problems(at)
    assert shown_files(at)[0] == COHORT.problems["saturation"][0]  # on the first screen: the first row
    shown, table = file_table(at), eda.file_table(COHORT.files)
    assert list(shown.columns[:2]) == ["file", "at max (%)"] and sorted(shown.columns) == sorted(table.columns)
    expected = table.sort_values("at max (%)", ascending=False, kind="stable", na_position="last")["file"]
    assert list(shown["file"]) == list(expected)
    assert shown["file"].iloc[0] == COHORT.problems["saturation"][0]  # the clipped image stands out at the top
    assert any(c.value == f"All {len(table)} rows, sorted by **at max (%)**, largest first." for c in at.caption)
    widget(at, "toggle", "eda_descending").set_value(False).run()
    shown = file_table(at)
    assert shown["at max (%)"].dropna().is_monotonic_increasing and len(shown) == len(table)
    assert shown["file"].iloc[-1] == COHORT.problems["unreadable"][0]  # no number: last in either order
    widget(at, "selectbox", "eda_sort").set_value("file").run()
    assert list(file_table(at)["file"]) == sorted(table["file"])
    assert widget(at, "selectbox", "eda_sort").proto.query_param_key  # a link keeps the order


def test_every_sample_as_the_current_image_has_its_histogram(at):
    open_section(at, "Histogram")
    for name in samples.names():
        choose_sample(at, name)
        current = next(o for o in options(at, "eda_hist_image") if o.startswith("The current image"))
        widget(at, "selectbox", "eda_hist_image").set_value(current).run()
        assert not problems(at), (name, problems(at))
        assert any(c.value.startswith(f"The sidebar's image: {name}") for c in at.caption), name
        volume = samples.load(name)
        row = stats_table(at).iloc[0]
        assert row["pixels"] == volume.data.size, name
        assert (row["SNR"] == row["SNR"]) == (not volume.rgb), name  # NaN for colour only
        read = eda_snippets.sample_code(samples.info(name), volume.source_format)  # with the library that ships it
        assert any(read in c for c in shown_code(at)), name


def test_histogram_controls_noise_comparison_and_whole_set(at):
    open_section(at, "Histogram")
    image = widget(at, "selectbox", "eda_hist_image")
    image.set_value("P16_screenshot.dcm").run()  # 8 bits: one bin per grey level
    levels = load_image(FILES["P16_screenshot.dcm"], "P16_screenshot.dcm").data.ravel()
    row = stats_table(at).iloc[0]
    assert "most common value" in row and "tallest bin from" not in row
    assert (row["most common value"], row["its proportion"]) == (
        np.bincount(levels).argmax(), pytest.approx(np.bincount(levels).max() / levels.size))
    image.set_value("P03_MR.dcm").run()  # 868 grey levels in 256 bins: a bin holds several
    before = stats_table(at).iloc[0]
    widget(at, "toggle", "eda_log").set_value(True).run()
    widget(at, "select_slider", "eda_bins").set_value(64).run()
    assert not problems(at)
    after = stats_table(at).iloc[0]
    for row in (before, after):  # no bin centre passed off as a value of the image
        assert "most common value" not in row and {"tallest bin from", "tallest bin to"} <= set(row.index)
    width = after["tallest bin to"] - after["tallest bin from"]
    assert width == pytest.approx(4 * (before["tallest bin to"] - before["tallest bin from"]))  # 4 times wider bins
    assert after["its proportion"] > before["its proportion"]
    widget(at, "selectbox", "eda_compare").set_value("a noisy copy").run()
    for kind in NOISE_KINDS:
        widget(at, "selectbox", "eda_noise_kind").set_value(kind).run()
        assert not problems(at), kind
        rows = stats_table(at)
        assert len(rows) == 2 and rows.iloc[1]["SNR"] < rows.iloc[0]["SNR"], kind
    widget(at, "selectbox", "eda_compare").set_value("another file of the dataset").run()
    widget(at, "selectbox", "eda_other").set_value("P15_MR_T2map.dcm").run()
    rows = stats_table(at)
    assert not problems(at) and rows.iloc[1]["NaN or infinite"] > 0
    whole = next(o for o in options(at, "eda_hist_image") if o.startswith("All CT images"))
    widget(at, "selectbox", "eda_hist_image").set_value(whole).run()
    assert not problems(at)
    assert any("12 images" in c.value for c in at.caption)
    for name in ("P14_MR.dcm", "P15_MR_T2map.dcm"):  # constant, NaN-filled
        widget(at, "selectbox", "eda_hist_image").set_value(name).run()
        assert not problems(at), name


def own_files(app):
    widget(app, "radio", "eda_source").set_value("My own files").run()
    return widget(app, "file_uploader", "eda_upload")


def test_a_multi_file_upload_lists_bad_files_in_the_table(at):
    uploader = own_files(at)
    assert any("until then the built-in cohort" in i.value for i in at.info)
    chosen = ["P02_CT_s01.dcm", "P02_CT_s02.dcm", "P03_MR.dcm", "P13_MR.dcm"]
    uploader.set_value([(n, FILES[n], "application/dicom") for n in chosen]
                       + [("notes.txt", b"not an image", "text/plain"), ("empty.dcm", b"", "application/dicom")])
    at.run()
    assert not problems(at)
    table = file_table(at)
    assert list(table["file"]) == chosen + ["notes.txt", "empty.dcm"]
    assert list(table["readable"]) == [True, True, True, False, False, False]
    assert table["why unreadable"].iloc[3:].str.len().gt(10).all()
    assert metrics(at)["Unreadable files"] == "3" and metrics(at)["Patients"] == "2"
    assert any("my_dataset" in c for c in shown_code(at))


def test_a_zip_with_bad_files_and_a_damaged_zip(at):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("P01_MR_s01.dcm", "P01_MR_s02.dcm", "P01_MR_s03.dcm", "P13_MR.dcm", "P14_MR.dcm"):
            archive.writestr(f"study/{name}", FILES[name])
        archive.writestr("study/DICOMDIR.txt", b"index")
    uploader = own_files(at)
    uploader.set_value([("study.zip", buffer.getvalue(), "application/zip"),
                        ("damaged.zip", b"PK\x03\x04" + bytes(40), "application/zip")])
    at.run()
    assert not problems(at)
    table = file_table(at)
    unreadable = dict(zip(table.loc[~table["readable"], "file"], table.loc[~table["readable"], "why unreadable"]))
    assert set(unreadable) == {"study.zip/P13_MR.dcm", "study.zip/DICOMDIR.txt", "damaged.zip"}
    assert "truncated" in unreadable["study.zip/P13_MR.dcm"] and "damaged" in unreadable["damaged.zip"]
    open_section(at, "Quality report")
    text = " ".join(m.value for m in at.markdown)
    assert "Constant images" in text and "Files that cannot be read" in text
    open_section(at, "Histogram")
    widget(at, "selectbox", "eda_hist_image").set_value("study.zip/P01_MR_s02.dcm").run()
    assert not problems(at) and stats_table(at).iloc[0]["pixels"] == 233 * 197


def test_nothing_readable_gives_a_warning_and_the_page_keeps_working(at):
    own_files(at).set_value([("a.txt", b"hello", "text/plain")])
    at.run()
    assert not problems(at)
    assert any("None of these files" in w.value for w in at.warning)
    assert metrics(at)["Images"] == "0"
    show_self_check(at, "exploring")
    assert at.session_state["progress"]["exploring"]["total"] == 4  # no table question without a readable file


def test_a_bad_sidebar_upload_does_not_break_the_page(at):
    upload(at, ("broken.dcm", b"\x00garbage" * 50))
    assert not problems(at)
    assert any("could not be loaded" in e.value for e in at.error)
    assert file_table(at)["file"].tolist()[0] == "P01_MR_s01.dcm"  # the dataset is untouched
    good = Path(samples.info("Phantom: Shepp-Logan head (scikit-image)").path)
    upload(at, (good.name, good.read_bytes()))
    open_section(at, "Histogram")
    current = next(o for o in options(at, "eda_hist_image") if o.startswith("The current image"))
    widget(at, "selectbox", "eda_hist_image").set_value(current).run()
    assert not problems(at) and stats_table(at).iloc[0]["SNR"] == float("inf")  # a noiseless phantom


def preset(app, label: str) -> None:
    app.button(key=f"exploring-preset-{label}").click().run()
    assert not problems(app), (label, problems(app))


def test_lecturer_mode_folds_explanations_and_shows_fewer_controls(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    assert not problems(at)
    folded = sum(e.label == "Explanation" for e in at.expander)  # why explore, the table
    assert not any(d.label == "Download the table (CSV)" for d in at.get("download_button"))
    assert not any(e.label == "Try this" for e in at.expander)
    open_section(at, "Histogram")
    folded += sum(e.label == "Explanation" for e in at.expander)  # the histogram
    assert not [s for s in at.select_slider if s.key == "eda_bins"]
    open_section(at, "Quality report")
    folded += sum(e.label == "Explanation" for e in at.expander)  # the SNR method
    assert folded >= 4


def test_preset_original_against_a_noisy_copy_gives_the_lecture_figure(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    own_files(at).set_value([("a.txt", b"hello", "text/plain")])  # the preset brings back the cohort
    at.run()
    preset(at, "Original vs noisy copy")
    assert widget(at, "radio", "eda_source").value == "Built-in cohort"
    assert widget(at, "button_group", "section").value == "Histogram"
    assert at.get("plotly_chart")[0].key == "eda-histogram"  # the lecture's figure first in its section
    assert widget(at, "selectbox", "eda_hist_image").value == LECTURE_IMAGE
    data = load_image(FILES[LECTURE_IMAGE], LECTURE_IMAGE).data
    sigma = float(f"{eda.noise_scale(data) / 5:.2g}")
    noisy = add_noise(data, "gaussian", sigma, seed=0)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in figure["data"]] == [LECTURE_IMAGE, f"with gaussian noise ({sigma:g})"]  # complete
    room = next(t.value for t in at.table if "its proportion" in t.value.columns)  # at room size for the lecture
    assert list(room["image"]) == [LECTURE_IMAGE, f"with gaussian noise ({sigma:g})"]
    assert list(room["SNR"]) == [f"{eda.snr_estimate(data):.1f}", f"{eda.snr_estimate(noisy):.1f}"]
    widget(at, "toggle", "lecturer").set_value(False).run()  # the same numbers to every digit
    rows = stats_table(at)
    assert list(rows["image"]) == [LECTURE_IMAGE, f"with gaussian noise ({sigma:g})"]
    assert rows.iloc[0]["SNR"] == pytest.approx(eda.snr_estimate(data))
    assert rows.iloc[1]["SNR"] == pytest.approx(eda.snr_estimate(noisy)) and rows.iloc[1]["SNR"] < rows.iloc[0]["SNR"] / 3
    assert rows.iloc[1]["99th percentile"] > rows.iloc[0]["99th percentile"]  # the noise widens the histogram
    # at room size a wide tallest bin is one column, so that the SNR still fits on the projector
    assert {"tallest bin from", "tallest bin to"} <= set(rows.columns) and "tallest bin" in room
    assert not {"tallest bin from", "tallest bin to"} & set(room.columns) and list(room.columns)[-1] == "SNR"
    assert [cell.replace("\\", "") for cell in room["tallest bin"]] == [f"{low:.4g} to {high:.4g}"  # Markdown-escaped
                                         for low, high in zip(rows["tallest bin from"], rows["tallest bin to"])]
    assert any(f"SNR is {rows.iloc[1]['SNR']:.1f} against {rows.iloc[0]['SNR']:.1f}" in i.value for i in at.info)



def test_a_noise_step_counts_the_noisy_copy_and_keeps_the_image_s_numbers(at, monkeypatch):
    """A step of σ recomputes the statistics and SNR of the noisy copy only (issue 19: the step's rerun time)."""
    open_section(at, "Histogram")
    widget(at, "selectbox", "eda_hist_image").set_value(LECTURE_IMAGE).run()
    widget(at, "selectbox", "eda_compare").set_value("a noisy copy").run()
    counted, real = [], eda.image_numbers
    monkeypatch.setattr(eda, "image_numbers", lambda values, grey: counted.append(values) or real(values, grey))
    sigma = widget(at, "slider", "eda_sigma")
    new_sigma = float(f"{sigma.value * 2:.2g}")
    sigma.set_value(new_sigma).run()
    assert not problems(at)
    data = load_image(FILES[LECTURE_IMAGE], LECTURE_IMAGE).data
    noisy = add_noise(data, "gaussian", new_sigma, seed=0)
    rows = stats_table(at)
    assert list(rows["image"]) == [LECTURE_IMAGE, f"with gaussian noise ({new_sigma:g})"]
    assert len(counted) == 1 and np.array_equal(counted[0], noisy)  # the noisy copy's, once
    assert rows.iloc[0]["SNR"] == pytest.approx(eda.snr_estimate(data))  # the image's, kept from before
    assert rows.iloc[0]["mean"] == pytest.approx(float(np.mean(data)))
    assert rows.iloc[1]["SNR"] == pytest.approx(eda.snr_estimate(noisy))
    charts = [c for c in at.get("plotly_chart") if c.key == "eda-histogram"]
    assert len(charts) == 1  # its text alternative reads the same numbers as the table
    assert {"tallest bin from", "tallest bin to"} <= set(rows) and "most common value" not in rows  # float values
    noisy_row = rows.iloc[1]
    assert (f"with gaussian noise ({new_sigma:g}): tallest bin {noisy_row['tallest bin from']:.4g} to "
            f"{noisy_row['tallest bin to']:.4g} ({noisy_row['its proportion']:.1%} of its pixels)") in charts[0].proto.alt
    assert f"mean {rows.iloc[1]['mean']:.4g}, median {rows.iloc[1]['median']:.4g}" in charts[0].proto.alt


def test_presets_jump_to_the_clipped_and_the_noisy_image(at):
    table = eda.file_table(COHORT.files).set_index("file")
    preset(at, "Clipped values")
    name = COHORT.problems["saturation"][0]
    share = eda.percent_at_max(load_image(FILES[name], name).data)
    assert share > eda.SATURATION_PERCENT and widget(at, "toggle", "eda_log").value
    assert widget(at, "selectbox", "eda_hist_image").value == name
    assert table.loc[name, "at max (%)"] == pytest.approx(share)
    assert any(w.value.startswith(f"**{share:.2f}%** of the pixels of {name}") for w in at.warning)
    preset(at, "Very noisy image")
    rows = stats_table(at)
    assert list(rows["image"]) == [COHORT.problems["low SNR"][0], LECTURE_IMAGE]
    assert rows.iloc[0]["SNR"] < eda.LOW_SNR < rows.iloc[1]["SNR"]
    assert list(rows["SNR"]) == pytest.approx([table["SNR"][n] for n in rows["image"]])
    open_section(at, "The dataset")  # the table on the page says the same
    assert file_table(at).set_index("file").loc[name, "at max (%)"] == pytest.approx(share, abs=0.005)  # as written: .2f


def test_self_check_gives_feedback_from_the_dataset_on_screen(at):
    unreadable = int(metrics(at)["Unreadable files"])
    show_self_check(at, "exploring")
    widget(at, "number_input", "check-exploring-0").set_value(unreadable + 1)
    widget(at, "radio", "check-exploring-2").set_value("The peaks widen and the SNR falls")
    at.run()
    assert [s.value.startswith("Right.") for s in at.success].count(True) == 1
    assert any(e.value.startswith("Not quite.") and f"{unreadable} of 43" in e.value for e in at.error)
    widget(at, "number_input", "check-exploring-0").set_value(unreadable)
    share = file_table(at)["at max (%)"].max()
    widget(at, "number_input", "check-exploring-1").set_value(round(share, 2))
    widget(at, "radio", "check-exploring-3").set_value("Nothing, more data is always better")
    at.run()
    assert [s.value.startswith("Right.") for s in at.success].count(True) == 3
    assert any(s.value.startswith(f"Right. {share:.2f}%") for s in at.success)
    assert at.session_state["progress"]["exploring"] == {"answered": 4, "correct": 3, "total": 5}


def test_stop_while_reading_an_upload_keeps_nothing_and_offers_to_read_it_again(at, monkeypatch):
    """The reading ends as Streamlit ends a run when Stop is pressed: a control exception (a BaseException)
    raised from the progress update, here after the second file."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    real_file_table = eda.file_table

    def read_until_stopped(files, progress=None):
        if progress is None:  # the built-in cohort's table
            return real_file_table(files)

        def update_then_stop(done, total, name):
            progress(done, total, name)
            if done == 2:
                raise StopException()

        return real_file_table(files, progress=update_then_stop)

    monkeypatch.setattr(eda, "file_table", read_until_stopped)
    chosen = ["P02_CT_s01.dcm", "P02_CT_s02.dcm", "P03_MR.dcm", "P13_MR.dcm"]
    own_files(at).set_value([(n, FILES[n], "application/dicom") for n in chosen])
    at.run()
    assert not problems(at)
    assert widget(at, "button", "eda-upload-stop")  # drawn while the files were read
    assert KEPT not in at.session_state
    at.run()  # the rerun the press of Stop starts: the same files, not read again on their own
    assert not problems(at)
    assert [i.value for i in at.info if "stopped" in i.value] == [
        "Reading the files stopped before the end (Stop, or another control, was pressed): nothing was kept. Until "
        "you read them again, the built-in cohort is shown."]
    assert KEPT not in at.session_state
    assert list(file_table(at)["file"]) == [name for name, _ in COHORT.files]  # the cohort's, not a partial one
    with pytest.raises(KeyError):
        widget(at, "button", "eda-upload-stop")
    at.run()  # any other rerun: still stopped, still not read
    assert KEPT not in at.session_state and any("stopped" in i.value for i in at.info)

    monkeypatch.setattr(eda, "file_table", real_file_table)
    widget(at, "button", "eda_read_again").click().run()
    assert not problems(at)
    assert list(file_table(at)["file"]) == chosen
    assert not [i for i in at.info if "stopped" in i.value]


def test_a_link_reopens_the_histogram_with_its_noisy_copy():
    app = page_test(PAGE, timeout=180)
    # a link as the browser writes it: controls at their default (Gaussian noise) are not in it
    for key, value in {"section": "Histogram", "eda_hist_image": LECTURE_IMAGE, "eda_compare": "a noisy copy",
                       "eda_sigma": "82", "eda_log": "true", "eda_bins": "64"}.items():
        app.query_params[key] = value
    app.run()
    assert not problems(app) and not app.warning
    data = load_image(FILES[LECTURE_IMAGE], LECTURE_IMAGE).data
    rows = stats_table(app)
    assert list(rows["image"]) == [LECTURE_IMAGE, "with gaussian noise (82)"]
    assert rows.iloc[1]["SNR"] == pytest.approx(eda.snr_estimate(add_noise(data, "gaussian", 82.0, seed=0)))
    assert widget(app, "toggle", "eda_log").value and widget(app, "select_slider", "eda_bins").value == 64
    for kind, key in (("selectbox", "eda_hist_image"), ("selectbox", "eda_compare"), ("slider", "eda_sigma"),
                      ("toggle", "eda_log"), ("select_slider", "eda_bins"), ("radio", "eda_source")):
        assert widget(app, kind, key).proto.query_param_key == key  # the browser writes them into the URL


def test_a_link_with_a_value_out_of_range_opens_the_default_and_says_which():
    app = page_test(PAGE, timeout=180)
    app.query_params["section"] = "Histogram"
    app.query_params["eda_hist_image"] = "no_such_file.dcm"
    app.query_params["eda_bins"] = "banana"
    app.run()
    assert not problems(app)
    assert widget(app, "selectbox", "eda_hist_image").value == "P01_MR_s01.dcm"  # the first file
    assert widget(app, "select_slider", "eda_bins").value == 256
    warning = " ".join(w.value for w in app.warning)
    assert "eda_hist_image=no_such_file.dcm" in warning and "eda_bins=banana" in warning


def test_an_uploaded_file_s_name_never_goes_into_the_link(at):
    own_files(at).set_value([(n, FILES[n], "application/dicom") for n in ("P03_MR.dcm", "P02_CT_s01.dcm")])
    at.run()
    open_section(at, "Histogram")
    assert widget(at, "selectbox", "eda_hist_image").value == "P03_MR.dcm"
    assert not widget(at, "selectbox", "eda_hist_image").proto.query_param_key
    assert not widget(at, "file_uploader", "eda_upload").proto.query_param_key if hasattr(
        widget(at, "file_uploader", "eda_upload").proto, "query_param_key") else True


# --- a MONOCHROME1 radiograph: its pictures as the file asks -----------------------------------------------

RG3 = next(s for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file


def test_a_monochrome1_file_is_previewed_low_values_white_in_the_tiles_and_beside_its_histogram(at):
    from harness import brighter_where_low, shown_pictures

    from ui.images import INVERTED_NOTE

    values = samples.load(RG3.name).data
    monochrome2 = "P03_MR.dcm"
    own_files(at).set_value([("tibia.dcm", Path(RG3.path).read_bytes(), "application/dicom"),
                             (monochrome2, FILES[monochrome2], "application/dicom")])
    at.run()
    open_section(at, "Look at the images")
    pictures = shown_pictures(at)
    tile = next(c for c in pictures if c.startswith("tibia.dcm"))
    assert "low values white (MONOCHROME1)" in tile
    assert brighter_where_low(pictures[tile], values) > 150  # the low values white, the high ones dark
    other = next(c for c in pictures if c.startswith(monochrome2))
    assert "MONOCHROME1" not in other
    assert brighter_where_low(pictures[other], load_image(FILES[monochrome2], monochrome2).data) < -150
    choose_sample(at, RG3.name)
    open_section(at, "Histogram")
    current = next(o for o in options(at, "eda_hist_image") if o.startswith("The current image"))
    widget(at, "selectbox", "eda_hist_image").set_value(current).run()
    pictures = shown_pictures(at)
    beside = next(c for c in pictures if c.endswith(f"(middle slice){INVERTED_NOTE}"))
    assert brighter_where_low(pictures[beside], values) > 150
