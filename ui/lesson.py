"""What makes each page a lesson: the objective and a "try this" path, presets and self-checks."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import streamlit as st

from core.text.course_text import COURSE_DIR, CourseFileError, LessonText, load_lesson
from core.questions.selfcheck import Question, is_correct, progress_text
from ui.room import bring_figure_into_view, lecturer_mode  # lecturer mode itself lives in ui.room

STOPPED = "{} stopped before the end (Stop, or another control, was pressed): nothing was kept."


def lesson_text(name: str, folder: Path = COURSE_DIR) -> LessonText:
    """The lesson's words from ``assets/course/<name>.toml``; a malformed file stops the page with a clear message.

    The file is read on every run (a few milliseconds), so a lecturer's edit shows at the next rerun.
    """
    try:
        return load_lesson(name, folder)
    except CourseFileError as exc:
        st.error(f"This lesson's text cannot be read: {exc}. Fix the file and reload the page; the other "
                 "lessons keep working.", icon=":material/error:")
        st.stop()


def intro(text: LessonText) -> None:
    """The objective of the lesson and a short "try this" sequence (folded away in lecturer mode).

    Parameters
    ----------
    text : LessonText
        The lesson's words (``assets/course/<lesson>.toml``).
    """
    number, summary, steps = text.number, text.objective, list(text.try_this)
    st.markdown(f"**Objective {number}.** {summary}" if number else f"**Objective.** {summary}")
    if steps and not lecturer_mode():
        with st.expander("Try this", icon=":material/directions_walk:", expanded=False):
            st.markdown("\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1)))


def explain(markdown: str) -> None:
    """Explanatory text: shown in full to a learner, folded into an expander in lecturer mode."""
    if lecturer_mode():
        with st.expander("Explanation"):
            st.markdown(markdown)
    else:
        st.markdown(markdown)


def presets(name: str, choices: dict[str, dict], key: str, shortcuts: dict[str, str] | None = None) -> None:
    """Buttons that set several widgets at once to reproduce one of the lecture's figures.

    In lecturer mode a press also brings the page's first figure onto the screen when it is further down
    (`ui.room.bring_figure_into_view`), and a preset that chooses the sidebar's sample says so in a toast
    rather than in a box above the figure.

    Parameters
    ----------
    name : str
        What the row of buttons is called ("Lecture presets").
    choices : dict
        ``{label: {widget_key: value, ...}}``.
    key : str
        Unique prefix for the buttons' keys.
    shortcuts : dict, optional
        ``{label: key}``: keyboard shortcuts (Streamlit's syntax), so a clicker or a key steps through them.
    """

    from ui import picker  # the sidebar's keys: a preset that sets them changes every lesson's image

    note_key = f"{key}-sidebar-note"
    landed_key, presses_key = f"{key}-landed", f"{key}-presses"

    def apply(label: str, values: dict) -> None:
        before = (st.session_state.get(picker.SOURCE_KEY), st.session_state.get(picker.SAMPLE_KEY))
        st.session_state.update(values)
        st.session_state[landed_key] = True
        st.session_state[presses_key] = st.session_state.get(presses_key, 0) + 1
        after = (st.session_state.get(picker.SOURCE_KEY), st.session_state.get(picker.SAMPLE_KEY))
        if picker.SAMPLE_KEY in values and after != before:
            st.session_state[note_key] = (label, values[picker.SAMPLE_KEY])

    if not lecturer_mode():  # in front of a room the row of buttons speaks for itself: the figure gets the space
        st.markdown(f"**{name}**")
    columns = st.columns(len(choices))
    for column, (label, values) in zip(columns, choices.items()):
        column.button(label, key=f"{key}-{label}", on_click=apply, args=(label, values), width="stretch",
                      shortcut=(shortcuts or {}).get(label))
    if st.session_state.pop(landed_key, False) and lecturer_mode():  # its figure on the screen, however far down
        bring_figure_into_view(st.session_state[presses_key])
    note = st.session_state.get(note_key)
    if note and st.session_state.get(picker.SAMPLE_KEY) == note[1] \
            and st.session_state.get(picker.SOURCE_KEY) == picker.SAMPLE:
        said = (f"The preset *{note[0]}* chose **{note[1]}** in the sidebar: every other lesson now works on it "
                "too, until you choose another image there.")
        if not lecturer_mode():
            st.info(said, icon=":material/info:")
        elif len(note) == 2:  # in front of a room: said once, in a corner, and the figure keeps the first screen
            st.toast(said, icon=":material/info:")
            st.session_state[note_key] = (*note, "said")
    elif note:
        del st.session_state[note_key]  # the learner has chosen another image since


def lecture_presets(text: LessonText) -> None:
    """The lesson's presets (``[[presets]]`` of its file): each opens its section with the lecture's settings.

    The section's figure comes first in the section, so one press shows the lecture's figure. A preset's
    ``sample`` chooses that built-in sample in the sidebar (`ui.picker.sample_settings`), as its link does.
    """
    from ui.picker import sample_settings
    from ui.sections import SECTION_KEY

    if text.presets:
        presets("Lecture presets", {p.label: {SECTION_KEY: p.section, **sample_settings(p.settings)}
                                    for p in text.presets},
                key=f"{text.name}-preset", shortcuts={p.label: p.shortcut for p in text.presets if p.shortcut})


@contextmanager
def stoppable(key: str):
    """Long work (a registration, a training, a pipeline, a series) with a Stop button shown while it runs.

    Pressing Stop, like any other control, makes Streamlit rerun the page:
    the run in progress is interrupted at its next progress update, so the
    work ends within a moment and nothing half-done is kept. The work is
    marked as running in the session until it ends (normally or with an
    ordinary error), so `was_stopped` in the next run tells an interrupted
    run from one that finished just before the press.

    Examples
    --------
    >>> with stoppable("unsup-stop"):  # doctest: +SKIP
    ...     result = register(..., progress=callback)
    """
    running = f"{key}-running"
    slot = st.empty()
    slot.button("Stop", icon=":material/stop_circle:", key=key,
                help="Stop the work in progress: nothing half-done is kept.")
    st.session_state[running] = True
    try:
        yield
    except Exception:  # an ordinary failure ended the work: it was not stopped
        st.session_state.pop(running, None)
        slot.empty()
        raise
    st.session_state.pop(running, None)
    slot.empty()


def was_stopped(key: str) -> bool:
    """True once, in the run after a `stoppable(key)` block was interrupted (by Stop or any other control)."""
    return bool(st.session_state.pop(f"{key}-running", False))


def remembered_run(pressed: bool, name: str, key, stop: str, what: str,
                   work: Callable[[], dict | None]) -> dict | None:
    """A long run started by a button, its result kept in this session for the settings it ran with.

    When `pressed`, `work` runs inside `stoppable(stop)` and what it returns
    (unless None: it failed and said so) is kept as
    ``st.session_state[name] = {"key": key, **result}``. In the run after
    an interrupted one, the learner reads that it stopped and nothing was
    kept (`STOPPED`).

    Parameters
    ----------
    pressed : bool
        The button's value in this run.
    name : str
        Session-state key of the kept result.
    key : hashable
        The settings the result belongs to; a kept result made for other settings is not returned.
    stop : str
        The Stop button's key (see `stoppable`).
    what : str
        The work's name at the start of a sentence, for the stopped message ("The tests").
    work : callable
        Does the work with its own progress display and returns the result as a dict, or None.

    Returns
    -------
    dict or None
        The kept result with its ``"key"``, when it was made for `key`; None otherwise.
    """
    if pressed:
        with stoppable(stop):
            result = work()
            if result is not None:
                st.session_state[name] = {"key": key, **result}
    elif was_stopped(stop):
        st.info(STOPPED.format(what), icon=":material/stop_circle:")
    kept = st.session_state.get(name)
    return kept if kept is not None and kept["key"] == key else None


_IN_BODY: ContextVar[bool] = ContextVar("in_lesson_body_fragment", default=False)
"""True while a `lesson_body` fragment draws (per session: each session's script runs in its own thread)."""


def lesson_body(draw: Callable[[], None], long_work: bool = False) -> None:
    """Draw a lesson's body, as a fragment unless it may start long work: a control in a fragment reruns it alone.

    The page's frame (the sidebar, title, introduction, presets and section
    chooser) is then neither rerun nor sent again on every step of a
    slider: a third fewer elements for the learner's browser to redraw
    (issue 19). Put the self-check inside the body when its questions follow
    the body's controls, so that they never show a number of the previous
    step.

    Parameters
    ----------
    draw : callable
        Draws the body; takes no arguments.
    long_work : bool
        The body may start long work with a Stop button (`stoppable`): it
        then runs in the page's run. Streamlit does not interrupt a run for a
        control inside a fragment, so a Stop there would act only once the
        work is done.
    """
    if long_work:
        draw()
        return

    def body() -> None:
        token = _IN_BODY.set(True)
        try:
            draw()
        finally:
            _IN_BODY.reset(token)

    st.fragment(body)()


def record_progress(page: str, answered: int, correct: int, total: int) -> None:
    """Keep the self-check score of a page in this session (shown on the home page).

    A page opened with nothing answered keeps a restored score (from a file or the browser's copy).
    Inside a `lesson_body` fragment, a changed score asks for a full run:
    the app writes the browser's copy after the page (`ui.browser_storage`),
    and the fragment's rerun alone would not.
    """
    progress = st.session_state.setdefault("progress", {})
    before = progress.get(page)
    if answered == 0 and (before or {}).get("answered", 0) > 0:
        return
    progress[page] = {"answered": answered, "correct": correct, "total": total}
    if before is not None and before != progress[page] and _IN_BODY.get():
        st.rerun()


def ask(key: str, question: Question, prompt: str | None = None) -> bool | None:
    """One question answered on the spot: a radio for choices, a number input otherwise, then its explanation.

    Parameters
    ----------
    key : str
        The widget's key.
    question : Question
    prompt : str, optional
        The Markdown shown above the answer (the question's prompt when omitted).

    Returns
    -------
    bool or None
        Whether the answer is right; None while the question is unanswered.
    """
    st.markdown(question.prompt if prompt is None else prompt)
    if question.numeric:
        response = st.number_input("Your answer", value=None, key=key, label_visibility="collapsed",
                                   placeholder="type a number")
    else:
        response = st.radio("Your answer", question.choices, index=None, key=key, label_visibility="collapsed")
    if response is None:
        return None
    right = bool(is_correct(question, response))
    if right:
        st.success(f"Right. {question.explanation}", icon=":material/check_circle:")
    else:
        st.error(f"Not quite. {question.explanation}", icon=":material/cancel:")
    return right


def self_check(page: str, questions: list[Question | Callable[[], Question]]) -> None:
    """Three to five questions checked on the spot, each with the explanation of its answer, shown on demand.

    The questions are drawn when the learner turns them on (a switch under
    the heading, kept while the lesson stays open): folded, the check is
    three elements instead of about a dozen, so every open and every step
    of the lesson costs the learner's browser less (issue 19). Answers
    given stay while the questions are folded away.

    Parameters
    ----------
    page : str
        The page's short name, used for widget keys and progress.
    questions : list
        Questions, or functions building one from the learner's current image.
    """
    st.header("Check yourself")
    keys = [f"check-{page}-{n}" for n in range(len(questions))]
    if not st.toggle(f"Show the {len(questions)} questions", key=f"check-open-{page}",
                     help="Questions on this lesson, each checked on the spot with its explanation."):
        for key in keys:  # a widget not drawn in a run loses its value: keep the answers given
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        record_progress(page, 0, 0, len(questions))  # opened: "not answered yet" on the course map, unless answered
        st.caption(f"{len(questions)} questions · {progress_text(st.session_state['progress'][page])}.")
        return
    answered = correct = 0
    for n, (key, item) in enumerate(zip(keys, questions)):
        question = item() if callable(item) else item
        right = ask(key, question, f"**{n + 1}.** {question.prompt}")
        answered += right is not None
        correct += bool(right)
    st.caption(f"{correct} of {len(questions)} right ({answered} answered).")
    record_progress(page, answered, correct, len(questions))
