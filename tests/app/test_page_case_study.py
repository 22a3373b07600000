"""The case-study page: simulated subjects, a run on the button, both accuracies side by side, time per subject."""

from __future__ import annotations

import pytest

from core import samples
from harness import choose_sample, page_test, problems, show_self_check, upload, widget

PAGE = "lessons/case_study.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def page():
    at = page_test(PAGE, timeout=600)
    return at.run()


def open_section(at, name: str):
    chooser = widget(at, "button_group", "section")
    assert name in chooser.options, chooser.options
    chooser.set_value(name)
    at.run()
    assert problems(at) == []
    return at


def test_page_explains_the_paper_and_says_the_data_are_simulated(page):
    assert problems(page) == []
    assert any("simulated" in w.value and "paper's" in w.value for w in page.warning)
    text = " ".join(m.value for m in page.markdown)
    assert "Bae et al." in text and "10.1038/s41598-020-79243-9" in text
    assert len(page.get("image")) >= 5                     # template and four subjects
    assert "Show the code: one subject with atrophy" in [e.label for e in page.expander]
    assert any("Run the case study" in i.value for i in page.info)


def test_page_ignores_the_sidebar_image_on_every_sample_and_upload():
    at = page_test(PAGE).run()
    for name in samples.names():
        choose_sample(at, name)
        assert problems(at) == [], name
    upload(at, ("broken.dcm", b"not an image"))
    assert problems(at) == []
    open_section(at, "Results")
    assert widget(at, "button", "cs_run") is not None


def test_run_shows_both_accuracies_and_registration_wins_in_a_small_case(page):
    at = open_section(page, "Results")
    widget(at, "slider", "cs_n").set_value(24)
    widget(at, "slider", "cs_atrophy").set_value(6.0)
    widget(at, "slider", "cs_epochs").set_value(10)
    widget(at, "button", "cs_run").click()
    at.run()
    assert problems(at) == []
    run = at.session_state["case_study_result"]
    assert (run.cohort.n, run.cohort.atrophy_mm, run.cohort.epochs) == (24, 6.0, 10)
    result = run.result
    with_reg = metric(at, "Accuracy with registration")
    without = metric(at, "Accuracy without registration")
    assert with_reg == f"{result.with_registration.accuracy:.0%}" and without == f"{result.without_registration.accuracy:.0%}"
    assert result.with_registration.accuracy > result.without_registration.accuracy
    assert float(metric(at, "Total per subject").removesuffix(" s")) == pytest.approx(result.seconds_per_subject,
                                                                                    abs=0.006)
    assert float(metric(at, "After registration")) > float(metric(at, "Correlation with the template, as scanned"))
    titles = [e.label for e in at.expander]
    assert sum("Show the code" in t for t in titles) == 2  # registration and CNN (one subject's: in Subjects)
    # the self-check question on the gain is computed from this run
    gain = round(100 * (result.with_registration.accuracy - result.without_registration.accuracy))
    show_self_check(at, "case_study")
    widget(at, "number_input", "check-case_study-3").set_value(gain)
    at.run()
    assert any("Right." in s.value for s in at.success)


def test_self_check_gives_feedback(page):
    show_self_check(page, "case_study")
    widget(page, "radio", "check-case_study-0").set_value("registration")
    widget(page, "radio", "check-case_study-2").set_value("from the paper")
    page.run()
    assert any("Right." in s.value for s in page.success)
    assert any("Not quite." in e.value for e in page.error)


def test_stop_during_the_run_keeps_nothing_and_says_so(page, monkeypatch):
    """The run ends as Streamlit ends it when Stop is pressed: a control exception (a BaseException) raised from
    the page's progress update, here at the first epoch of step 2."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from core import case_study

    real_run = case_study.run

    def run_until_stopped(*args, progress, **kwargs):
        def update_then_stop(fraction, message):
            progress(fraction, message)
            if message.startswith("Step 2"):
                raise StopException()

        return real_run(*args, progress=update_then_stop, **kwargs)

    monkeypatch.setattr(case_study, "run", run_until_stopped)
    at = open_section(page, "Results")
    with pytest.raises(KeyError):
        widget(at, "button", "cs-stop")
    widget(at, "slider", "cs_n").set_value(20)
    widget(at, "slider", "cs_epochs").set_value(5)
    widget(at, "button", "cs_run").click()
    at.run()
    assert problems(at) == []
    assert widget(at, "button", "cs-stop")  # drawn while running
    assert "case_study_result" not in at.session_state
    at.run()  # the rerun the press of Stop starts
    assert problems(at) == []
    assert [i.value for i in at.info if "stopped" in i.value] == [
        "The case study stopped before the end (Stop, or another control, was pressed): nothing was kept. Press "
        "**Run the case study** to start again."]
    assert "case_study_result" not in at.session_state
    with pytest.raises(KeyError):
        widget(at, "button", "cs-stop")


def test_a_link_reopens_the_results_with_its_cohort_and_names_a_value_it_ignored():
    at = page_test(PAGE, timeout=600)
    at.query_params["section"] = "Results"
    at.query_params["cs_n"] = "40"
    at.query_params["cs_motion"] = "0.5"
    at.query_params["cs_atrophy"] = "many"  # malformed
    at.run()
    assert problems(at) == []
    assert widget(at, "button_group", "section").value == "Results"
    assert widget(at, "slider", "cs_n").value == 40 and widget(at, "slider", "cs_motion").value == 0.5
    assert widget(at, "slider", "cs_atrophy").value == 4.0  # the default
    assert any("cs_atrophy=many" in w.value and "not used" in w.value for w in at.warning)
    assert widget(at, "button", "cs_run") is not None
