"""Links that reopen a lesson's exact state, and a clear word when a link's value cannot be used.

Every control that shapes a lesson's figure is bound to the URL
(``bind="query-params"``, its key being the parameter's name), so a lecturer
can bookmark "lesson 4, Gaussian σ 2, Otsu". Streamlit drops a malformed or
out-of-range value and opens the control at its default; this module notices
which ones it dropped, so the lesson can say so. The app's own parameters
(lecturer mode, the sidebar's sample) are read by their owners, which name a
value they could not use through `ignore_link_value`.
"""

from __future__ import annotations

import streamlit as st

APP_PARAMETERS = frozenset({"lecturer", "sample"})
"""Parameters the app itself reads, no lesson's control: lecturer mode (ui.room), the sidebar's sample (ui.picker)."""

_LINK = "url-state-link"
_SLOT = "url-state-slot"
_CHECKED = "url-state-checked-pages"
_NOTE = "url-state-note"
_APP_IGNORED = "url-state-app-ignored"


def ignore_link_value(name: str, values: list[str]) -> None:
    """An app parameter's value (see `APP_PARAMETERS`) that could not be used: the next lesson's note names it.

    Parameters
    ----------
    name : str
        The parameter ("sample").
    values : list of str
        Its values, as the link gave them.
    """
    st.session_state.setdefault(_APP_IGNORED, []).append(f"{name}={','.join(values)}")


def remember_link(page: str) -> None:
    """Keep the link's parameters as they were when this page first ran in the session (before any control).

    A first run that is interrupted (a component reporting its value makes Streamlit start over) keeps the
    link it saw: the second run's URL has already lost the values its controls dropped.

    Parameters
    ----------
    page : str
        The lesson's name: each lesson reads the link it was opened with once.
    """
    checked = st.session_state.setdefault(_CHECKED, set())
    note = st.session_state.get(_NOTE)
    if note is not None and note[0] != page:
        del st.session_state[_NOTE]  # the learner moved on to another lesson
    if page in checked:
        st.session_state.pop(_LINK, None)
        if note is not None and note[0] == page:  # said again on every run while the learner stays here
            st.warning(note[1], icon=":material/link_off:")
        return
    kept = st.session_state.get(_LINK)
    if kept is None or kept[0] != page:
        st.session_state[_LINK] = (page, {key: st.query_params.get_all(key) for key in st.query_params})
    if st.session_state[_LINK][1] or st.session_state.get(_APP_IGNORED):
        st.session_state[_SLOT] = st.empty()  # the word on an ignored value goes here, near the top of the page


def link_value_matches(value, raw: list[str]) -> bool:
    """Whether a control's value is what the link's text said (Streamlit drops a parameter equal to its default).

    Examples
    --------
    >>> link_value_matches(2.0, ["2"]), link_value_matches(True, ["true"]), link_value_matches((3, 9), ["3", "9"])
    (True, True, True)
    >>> link_value_matches(1.0, ["99"])
    False
    """
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) != len(raw):
        return False
    for item, text in zip(values, raw):
        if isinstance(item, bool):
            same = text.strip().lower() == str(item).lower()
        elif isinstance(item, (int, float)):
            try:
                same = float(text) == float(item)
            except ValueError:
                same = False
        else:
            same = str(item) == text
        if not same:
            return False
    return True


def ignored_values(link: dict[str, list[str]], now: dict[str, list[str]], controls: dict) -> list[str]:
    """The link's parameters that did not survive: dropped or changed by their control, or no control's at all.

    Parameters
    ----------
    link : dict
        Parameter -> its values, as the link gave them.
    now : dict
        The same after the lesson's controls have read them (a control at its default has none).
    controls : dict
        The page's controls: key -> current value (session state).

    Returns
    -------
    list of str
        ``"name=value"`` for each ignored parameter, in the link's order.

    Examples
    --------
    >>> ignored_values({"sigma": ["abc"], "lecturer": ["1"], "bins": ["64"], "kind": ["gaussian"]},
    ...                {"lecturer": ["1"], "bins": ["64"]}, {"sigma": 1.0, "bins": 64, "kind": "gaussian"})
    ['sigma=abc']
    """
    ignored = []
    for key, values in link.items():
        if key in APP_PARAMETERS:
            continue
        if key not in controls:
            ignored.append(f"{key}={','.join(values)}")
        elif now.get(key) != values and not link_value_matches(controls[key], values):
            ignored.append(f"{key}={','.join(values)}")
    return ignored


def report_ignored_link_values() -> None:
    """Say which of the link's values this lesson ignored (call once, at the end of a lesson)."""
    from ui.safe_text import md

    kept = st.session_state.pop(_LINK, None)
    slot = st.session_state.pop(_SLOT, None)
    if kept is None:
        return
    page, link = kept
    st.session_state.setdefault(_CHECKED, set()).add(page)
    ignored = st.session_state.pop(_APP_IGNORED, [])
    if link:
        now = {key: st.query_params.get_all(key) for key in st.query_params}
        ignored += ignored_values(link, now, {str(key): st.session_state[key] for key in st.session_state})
    if ignored:
        note = ("This link's " + ", ".join(md(item, limit=80) for item in ignored)
                + (" was" if len(ignored) == 1 else " were") + " not used (not a control of this lesson, "
                "or a value out of its range): the lesson opened with its default instead.")
        st.session_state[_NOTE] = (page, note)
        (slot or st).warning(note, icon=":material/link_off:")
