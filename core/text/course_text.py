"""The course's words as data: one TOML file per lesson in ``assets/course/``.

A lecturer rewords a question or adds one in a text editor; the lessons read
the files through `load_lesson`. Texts with live numbers and questions
computed from the learner's image stay in code.

A lesson's file::

    number = 4                      # the lecture objective it teaches (absent for a case study)
    title = "Preparing data"
    objective = "Masking, thresholding ..."
    try_this = ["A first step", "A second step"]
    sections = ["Masking", "Thresholds"]

    [explanations]                  # fixed explanations, by name, in Markdown
    otsu = '''Otsu's method ...'''

    [[questions]]                   # fixed self-check questions
    prompt = "..."
    choices = ["a", "b", "c"]       # omit for a numeric question
    answer = 1                      # index of the right choice (from 0), or the number
    tolerance = 0.5                 # numeric questions only
    explanation = "..."

    [[presets]]                     # buttons that set the controls for one of the lecture's figures
    label = "Otsu on noisy CT"
    section = "Thresholds"          # one of `sections`
    shortcut = "3"                  # optional keyboard shortcut
    [presets.settings]              # control (and URL parameter) -> value
    sigma = 2.0
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.questions.selfcheck import Question

COURSE_DIR = Path(__file__).resolve().parents[2] / "assets" / "course"
"""Where the lessons' files live."""

SETTING_TYPES = (bool, int, float, str)
"""What a preset may set a control to (a list of these for a range slider or a multiselect)."""


class CourseFileError(ValueError):
    """A lesson's file that cannot be used: the message names the file and the field."""


@dataclass(frozen=True)
class Preset:
    """One of the lecture's figures as the settings of a lesson's controls."""

    label: str
    section: str
    settings: dict = field(default_factory=dict)
    shortcut: str | None = None


@dataclass(frozen=True)
class LessonText:
    """Everything a lesson says that does not depend on the learner's image."""

    name: str
    title: str
    objective: str
    number: int | None = None
    try_this: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    explanations: dict = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    presets: tuple[Preset, ...] = ()

    def explanation(self, name: str) -> str:
        """The fixed explanation called `name` (a KeyError names the file's missing entry)."""
        try:
            return self.explanations[name]
        except KeyError:
            raise KeyError(f"assets/course/{self.name}.toml has no explanation {name!r}") from None


def _text(data: dict, key: str, where: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CourseFileError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def _texts(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CourseFileError(f"{where}: '{key}' must be a list of non-empty texts")
    return tuple(v.strip() for v in value)


def _question(data: dict, where: str) -> Question:
    prompt, explanation = _text(data, "prompt", where), _text(data, "explanation", where)
    choices = _texts(data, "choices", where)
    answer = data.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        raise CourseFileError(f"{where}: 'answer' must be a number (the right choice's index from 0, or the value)")
    if choices:
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise CourseFileError(f"{where}: 'choices' must hold at least two different choices")
        if not isinstance(answer, int) or not 0 <= answer < len(choices):
            raise CourseFileError(f"{where}: 'answer' must be the index (0 to {len(choices) - 1}) "
                                  "of the one right choice")
        if "tolerance" in data:
            raise CourseFileError(f"{where}: 'tolerance' is for numeric questions (no choices)")
        return Question(prompt, explanation, answer, choices)
    tolerance = data.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise CourseFileError(f"{where}: 'tolerance' must be a number >= 0")
    return Question(prompt, explanation, float(answer), (), float(tolerance))


def _setting(value, where: str):
    if isinstance(value, list) and value and all(isinstance(v, SETTING_TYPES) for v in value):
        return tuple(value)
    if isinstance(value, SETTING_TYPES):
        return value
    raise CourseFileError(f"{where} must be a number, text, true/false or a list of them")


def _preset(data: dict, sections: tuple[str, ...], where: str) -> Preset:
    label, section = _text(data, "label", where), _text(data, "section", where)
    if section not in sections:
        raise CourseFileError(f"{where}: 'section' {section!r} is not one of the lesson's sections {list(sections)}")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise CourseFileError(f"{where}: 'settings' must be a table of control = value")
    settings = {str(k): _setting(v, f"{where}: setting '{k}'") for k, v in settings.items()}
    shortcut = data.get("shortcut")
    if shortcut is not None and (not isinstance(shortcut, str) or not shortcut.strip()):
        raise CourseFileError(f"{where}: 'shortcut' must be a key such as \"1\" or \"ctrl+shift+o\"")
    return Preset(label, section, settings, shortcut)


def parse_lesson(name: str, data: dict, where: str | None = None) -> LessonText:
    """A lesson's text from its parsed TOML, checked field by field.

    Parameters
    ----------
    name : str
        The lesson's name (its file's stem).
    data : dict
        The parsed file.
    where : str, optional
        How error messages name the file (default ``assets/course/<name>.toml``).

    Returns
    -------
    LessonText

    Raises
    ------
    CourseFileError
        Naming the file and the field that is missing or malformed.

    Examples
    --------
    >>> text = parse_lesson("demo", {"title": "Demo", "objective": "Learn.", "questions": [
    ...     {"prompt": "2 + 2?", "choices": ["3", "4"], "answer": 1, "explanation": "Counting."}]})
    >>> text.questions[0].choices[text.questions[0].answer]
    '4'
    """
    where = where or f"assets/course/{name}.toml"
    number = data.get("number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
        raise CourseFileError(f"{where}: 'number' must be the objective's number (1, 2, ...)")
    sections = _texts(data, "sections", where)
    if len(set(sections)) != len(sections):
        raise CourseFileError(f"{where}: 'sections' has a name twice")
    explanations = data.get("explanations", {})
    if not isinstance(explanations, dict):
        raise CourseFileError(f"{where}: [explanations] must be a table of name = Markdown")
    explanations = {key: _text(explanations, key, f"{where} [explanations]") for key in explanations}
    questions, presets = data.get("questions", []), data.get("presets", [])
    if not isinstance(questions, list) or not isinstance(presets, list):
        raise CourseFileError(f"{where}: questions and presets are written [[questions]] and [[presets]]")
    labels = [p.get("label") for p in presets if isinstance(p, dict)]
    if len(set(labels)) != len(labels):
        raise CourseFileError(f"{where}: two presets have the same label")
    return LessonText(
        name=name, title=_text(data, "title", where), objective=_text(data, "objective", where), number=number,
        try_this=_texts(data, "try_this", where), sections=sections, explanations=explanations,
        questions=tuple(_question(q, f"{where} question {n}") for n, q in enumerate(questions, 1)),
        presets=tuple(_preset(p, sections, f"{where} preset {n}") for n, p in enumerate(presets, 1)),
    )


def load_lesson(name: str, folder: Path = COURSE_DIR) -> LessonText:
    """Read and check ``<folder>/<name>.toml``.

    Raises
    ------
    CourseFileError
        When the file is missing, is not valid TOML, or has a missing or malformed field.
    """
    path = Path(folder) / f"{name}.toml"
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseFileError(f"{where}: the lesson's file is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseFileError(f"{where}: not valid TOML ({exc})") from None
    return parse_lesson(name, data, where)


def load_course(folder: Path = COURSE_DIR) -> list[LessonText]:
    """Every lesson's text, the objectives in order and the others (case studies) after them."""
    lessons = [load_lesson(path.stem, folder) for path in sorted(Path(folder).glob("*.toml"))]
    return sorted(lessons, key=lambda text: (text.number is None, text.number or 0, text.name))
