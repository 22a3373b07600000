"""ui.lesson.stoppable: a Stop button while work runs, and an honest "stopped" in the next run only if it was."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def script():
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from ui.lesson import STOPPED, stoppable, was_stopped

    if was_stopped("work-stop"):
        st.info(STOPPED.format("The work"))
    how = st.radio("How the work ends", ("finishes", "fails", "is interrupted"), key="how")
    if st.button("Run", key="run"):
        with stoppable("work-stop"):
            st.progress(0.5)
            if how == "fails":
                raise ValueError("an ordinary failure")
            if how == "is interrupted":  # what Streamlit raises at the work's next progress update after Stop
                raise StopException()
        st.success("done")


def run(how: str) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    at.radio(key="how").set_value(how).run()
    at.button(key="run").click().run()
    return at


def stopped_messages(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "stopped before the end" in i.value]


def test_work_that_finishes_leaves_no_stop_button_and_no_message():
    at = run("finishes")
    assert [s.value for s in at.success] == ["done"]
    assert not [b for b in at.button if b.label == "Stop"]
    at.run()
    assert stopped_messages(at) == []


def test_an_ordinary_failure_is_raised_and_is_not_called_a_stop():
    at = run("fails")
    assert len(at.exception) == 1  # raised as it was (its text is redacted by the server settings)
    assert not [b for b in at.button if b.label == "Stop"]
    at.run()
    assert stopped_messages(at) == []


def test_interrupted_work_is_reported_once_in_the_next_run():
    at = run("is interrupted")
    assert [b.label for b in at.button if b.label == "Stop"] == ["Stop"]  # shown while the work ran
    at.run()
    assert stopped_messages(at) == [
        "The work stopped before the end (Stop, or another control, was pressed): nothing was kept."]
    at.run()
    assert stopped_messages(at) == []


def remembered_script():
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from ui.lesson import remembered_run

    setting = st.radio("Setting", ("a", "b"), key="setting")
    how = st.radio("How the work ends", ("finishes", "is interrupted", "gives nothing"), key="how")

    def work():
        if how == "is interrupted":
            raise StopException()
        return None if how == "gives nothing" else {"value": setting * 2}

    kept = remembered_run(st.button("Run", key="run"), "kept", setting, "work-stop", "The work", work)
    st.markdown("nothing kept" if kept is None else f"kept {kept['value']} for {kept['key']}")


def remembered(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(("kept", "nothing kept")))


def test_a_remembered_run_is_shown_for_its_settings_only_and_a_stop_keeps_the_last_one():
    at = AppTest.from_function(remembered_script, default_timeout=30)
    at.run()
    assert remembered(at) == "nothing kept"
    at.button(key="run").click().run()
    assert remembered(at) == "kept aa for a"
    at.run()
    assert remembered(at) == "kept aa for a"  # kept across reruns
    at.radio(key="setting").set_value("b").run()
    assert remembered(at) == "nothing kept"  # made for other settings
    at.radio(key="how").set_value("is interrupted").run()
    at.button(key="run").click().run()
    at.run()
    assert stopped_messages(at) == [
        "The work stopped before the end (Stop, or another control, was pressed): nothing was kept."]
    at.radio(key="setting").set_value("a").run()
    assert remembered(at) == "kept aa for a"  # the interrupted run replaced nothing
    at.radio(key="how").set_value("gives nothing").run()
    at.button(key="run").click().run()
    assert remembered(at) == "kept aa for a" and stopped_messages(at) == []
