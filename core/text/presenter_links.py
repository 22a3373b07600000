"""The lecture's figures as links: every preset of the course's lessons as a URL that opens it for the room.

A lesson's words live in ``assets/course/<lesson>.toml`` (read by `core.text.course_text`); each of its presets has
a label, the section it opens, an optional keyboard shortcut and settings (widget key -> value), which are the
URL parameters of the lesson's widgets bound to the URL (``bind="query-params"``). A
preset's link is the lesson's page with ``?section=...``, its settings and ``lecturer=1``, encoded the way
Streamlit reads a bound widget back from the URL: booleans as ``true``/``false``, whole floats without
``.0``, a list (a range slider's two ends, a multiselect) as the same parameter repeated.

A link never carries an upload or the picker's other state: a preset that needs a built-in sample names it
(``sample = "..."``, which the sidebar picker reads back from ``?sample=``); upload keys, the picker's own widget
keys and the names the link sets itself are left out and reported with the link.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from core.text.course_text import COURSE_DIR, LessonText, load_course

RESERVED = frozenset({"section", "lecturer", "embed", "embed_options"})
"""URL parameters the link sets itself, or that Streamlit keeps for itself: never taken from a preset's settings."""


@dataclass(frozen=True)
class LectureFigure:
    """One preset of a lesson as a link.

    Attributes
    ----------
    label : str
        The preset's label, as on its button.
    url : str
        Relative to the app's root: the lesson's page, its section, settings and ``lecturer=1``.
    section : str
        The section the link opens ("" when the preset names none).
    shortcut : str
        The preset button's keyboard shortcut ("" when it has none).
    left_out : tuple of str
        Settings not put in the link (uploads, the picker's state, reserved names).
    """

    label: str
    url: str
    section: str = ""
    shortcut: str = ""
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class LessonFigures:
    """A lesson's lecture figures, in the order of its presets."""

    number: int | None
    title: str
    page: str
    figures: tuple[LectureFigure, ...]


def url_values(value) -> list[str]:
    """A widget's value as the URL strings Streamlit reads back for a bound widget.

    Parameters
    ----------
    value : bool, int, float, str, or a list or tuple of them
        A list gives one string per item (the parameter is repeated).

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a value no widget takes from a URL (a table, a nested list, NaN or infinity).

    Examples
    --------
    >>> url_values(True), url_values(2.0), url_values([0.5, 3])
    (['true'], ['2'], ['0.5', '3'])
    """
    if isinstance(value, (list, tuple)):
        if any(isinstance(item, (list, tuple, dict)) for item in value):
            raise ValueError(f"a setting's list holds only plain values, not {value!r}")
        return [text for item in value for text in url_values(item)]
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a setting cannot be {value!r} in a link")
        return [str(int(value)) if value == int(value) else repr(value)]
    if isinstance(value, (int, str)):
        return [str(value)]
    raise ValueError(f"a setting must be a number, a text, true/false or a list of those, not {value!r}")


def is_shareable(key: str, private: Iterable[str] = ()) -> bool:
    """Whether a widget key may go into a shared link: not an upload, not in `private`, not reserved."""
    return "upload" not in key.lower() and key not in set(private) and key.lower() not in RESERVED


def preset_link(page: str, section: str, settings: Mapping, private: Iterable[str] = ()) -> LectureFigure:
    """The link of one preset: the page's URL path, ``section``, the shareable settings and ``lecturer=1``.

    Parameters
    ----------
    page : str
        The lesson's file ("lessons/pixels.py"); its URL path is the file's name ("pixels"), as
        ``st.Page`` makes it.
    section : str
        The section to open ("" for none).
    settings : mapping
        Widget key -> value.
    private : iterable of str
        Keys never shared (the sidebar picker's).

    Returns
    -------
    LectureFigure
        With an empty label and shortcut (`lesson_figures` sets them) and the keys left out.

    Examples
    --------
    >>> preset_link("lessons/preparing.py", "Thresholds", {"sigma": 2.0, "otsu": True}).url
    'preparing?section=Thresholds&sigma=2&otsu=true&lecturer=1'
    """
    private = tuple(private)
    pairs = [("section", section)] if section else []
    left_out = []
    for key, value in settings.items():
        if is_shareable(str(key), private):
            pairs += [(str(key), text) for text in url_values(value)]
        else:
            left_out.append(str(key))
    pairs.append(("lecturer", "1"))
    return LectureFigure("", f"{Path(page).stem}?{urlencode(pairs, quote_via=quote)}", section,
                         left_out=tuple(left_out))


def lesson_figures(text: LessonText, private: Iterable[str] = ()) -> LessonFigures:
    """One lesson's lecture figures: each of its presets as a link.

    Parameters
    ----------
    text : LessonText
        The lesson's words (``assets/course/<name>.toml``, read and checked by `core.text.course_text`).
    private : iterable of str
        Keys never shared (the sidebar picker's).

    Returns
    -------
    LessonFigures

    Raises
    ------
    ValueError
        A preset with a setting no link can carry; the message names the preset.
    """
    page = f"lessons/{text.name}.py"
    figures = []
    for preset in text.presets:
        try:
            link = preset_link(page, preset.section, preset.settings, private)
        except ValueError as exc:
            raise ValueError(f"assets/course/{text.name}.toml preset {preset.label!r}: {exc}") from None
        figures.append(LectureFigure(preset.label, link.url, preset.section, preset.shortcut or "", link.left_out))
    return LessonFigures(text.number, text.title, page, tuple(figures))


def lecture_figures(course_dir: str | Path = COURSE_DIR, private: Iterable[str] = ()) -> dict[str, LessonFigures]:
    """Every lesson's lecture figures, keyed by page file, in lecture order (objectives first, by number).

    Raises
    ------
    ValueError
        A lesson's file that cannot be read (`CourseFileError`) or a preset no link can carry.
    """
    lessons = [lesson_figures(text, private) for text in load_course(Path(course_dir))]
    return {lesson.page: lesson for lesson in lessons}
