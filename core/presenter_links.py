"""The lecture's figures as links: every preset of the course's lessons as a URL that opens it for the room.

A lesson's words live in ``assets/course/<lesson>.toml``; its ``[[presets]]`` each have a ``label``, the
``section`` they open, an optional keyboard ``shortcut`` and a ``[presets.settings]`` table of widget key ->
value, which are the URL parameters of the lesson's widgets bound to the URL (``bind="query-params"``). A
preset's link is the lesson's page with ``?section=...``, its settings and ``lecturer=1``, encoded the way
Streamlit reads a bound widget back from the URL: booleans as ``true``/``false``, whole floats without
``.0``, a list (a range slider's two ends, a multiselect) as the same parameter repeated.

A link never carries an upload or the sidebar picker's state (the image is the learner's own choice):
such keys, and the names the link sets itself, are left out and reported with the link.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

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


def lesson_figures(lesson: Mapping, page: str, private: Iterable[str] = ()) -> LessonFigures:
    """Parse one lesson's course text (a TOML file's dict) into its lecture figures.

    Parameters
    ----------
    lesson : mapping
        ``number``, ``title``, ``sections`` (names, in order) and ``presets``: a list of tables with
        ``label``, ``section``, optional ``shortcut`` and ``settings``.
    page : str
        The lesson's page file ("lessons/pixels.py").
    private : iterable of str
        Keys never shared (the sidebar picker's).

    Returns
    -------
    LessonFigures

    Raises
    ------
    ValueError
        A preset without a label, naming a section the lesson does not list, or with a setting no link
        can carry; the message names the preset.
    """
    private = tuple(private)
    sections = list(lesson.get("sections", []))
    figures = []
    for n, preset in enumerate(lesson.get("presets", []), 1):
        label = str(preset.get("label", "")).strip()
        if not label:
            raise ValueError(f"preset {n} has no label")
        section = str(preset.get("section", ""))
        if section and sections and section not in sections:
            raise ValueError(f"preset {label!r} opens section {section!r}, which is not one of {sections}")
        try:
            link = preset_link(page, section, preset.get("settings", {}), private)
        except ValueError as exc:
            raise ValueError(f"preset {label!r}: {exc}") from None
        figures.append(LectureFigure(label, link.url, section, str(preset.get("shortcut", "")), link.left_out))
    number = lesson.get("number")
    return LessonFigures(number if isinstance(number, int) and not isinstance(number, bool) else None,
                         str(lesson.get("title", Path(page).stem)), page, tuple(figures))


def lecture_figures(course_dir: str | Path, private: Iterable[str] = ()) -> dict[str, LessonFigures]:
    """Every lesson's lecture figures from ``course_dir/*.toml``, keyed by page file, in lecture order.

    ``<lesson>.toml`` is the course text of ``lessons/<lesson>.py``; lessons are ordered by their
    ``number`` (those without one last, by name). A folder that does not exist gives no lessons.

    Raises
    ------
    ValueError
        A file that is not valid TOML or has a preset no link can carry; the message names the file.
    """
    found = []
    for path in sorted(Path(course_dir).glob("*.toml")):
        page = f"lessons/{path.stem}.py"
        try:
            found.append(lesson_figures(tomllib.loads(path.read_text(encoding="utf-8")), page, private))
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            raise ValueError(f"{path.name}: {exc}") from None
    found.sort(key=lambda lesson: (lesson.number is None, lesson.number or 0, lesson.page))
    return {lesson.page: lesson for lesson in found}
