"""Self-check questions: multiple choice or numeric, checked on the spot, and the learner's progress.

Progress is a small dict ``{page: {"answered": n, "correct": n, "total": n}}``
that the learner can download as JSON and restore later: no accounts, nothing
stored on the server.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Question:
    """One self-check question.

    Attributes
    ----------
    prompt : str
        The question (Markdown).
    explanation : str
        Why the right answer is right, shown after any attempt.
    choices : tuple of str
        For multiple choice; empty for a numeric question.
    answer : int or float
        Index of the right choice, or the right number.
    tolerance : float
        For numeric questions: accepted absolute difference.
    """

    prompt: str
    explanation: str
    answer: float
    choices: tuple[str, ...] = field(default_factory=tuple)
    tolerance: float = 0.0

    @property
    def numeric(self) -> bool:
        """True when the answer is a number typed by the learner."""
        return not self.choices


def is_correct(question: Question, response) -> bool:
    """Whether a response answers the question.

    Parameters
    ----------
    question : Question
    response : int, float, str or None
        The chosen option's index (or its text) for multiple choice, a number
        for numeric questions; None means not answered.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_correct(Question("2^8?", "256 levels", 256.0), 256)
    True
    >>> is_correct(Question("Colour?", "", 1, ("red", "magenta")), "magenta")
    True
    """
    if response is None:
        return False
    if question.numeric:
        try:
            value = float(response)
        except (TypeError, ValueError):
            return False
        return math.isfinite(value) and abs(value - float(question.answer)) <= question.tolerance
    if isinstance(response, str):
        return response in question.choices and question.choices.index(response) == int(question.answer)
    return int(response) == int(question.answer)


def progress_to_json(progress: dict) -> str:
    """The learner's progress as a small JSON document (for download)."""
    return json.dumps({"course": "Medical Image Analysis in Python", "version": 1, "progress": progress}, indent=2)


MAX_PROGRESS_BYTES = 64 * 1024
"""Largest progress file read back (a real one is under 2 KiB)."""

MAX_PROGRESS_DEPTH = 8
"""Deepest nesting of lists and objects read back (a real file has 3 levels)."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside JSON strings, counted without parsing (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _refuse(constant: str):
    raise ValueError(constant)  # NaN, Infinity, -Infinity: not JSON, and not a count


def _small_int(digits: str) -> int:
    if len(digits) > 12:
        raise ValueError("number too long")
    return int(digits)


def _finite_float(digits: str) -> float:
    value = float(digits) if len(digits) <= 32 else math.inf
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def progress_from_json(text: str | bytes, pages: set[str]) -> dict:
    """Read a progress file back, keeping only well-formed entries for known pages.

    Parameters
    ----------
    text : str or bytes
        The downloaded JSON.
    pages : set of str
        The pages that exist; anything else in the file is ignored.

    Returns
    -------
    dict
        ``{page: {"answered": int, "correct": int, "total": int}}``.

    Raises
    ------
    ValueError
        With a plain message, when the file is not a progress file of this course.
    """
    not_progress = "This file is not a progress file of the course: download one from this page and restore that."
    if not isinstance(text, (str, bytes)) or len(text) > MAX_PROGRESS_BYTES:
        raise ValueError(f"This file is not a progress file of the course (those are under "
                         f"{MAX_PROGRESS_BYTES // 1024} KiB).")
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        if nesting_depth(text) > MAX_PROGRESS_DEPTH:
            raise ValueError
        document = json.loads(text, parse_constant=_refuse, parse_int=_small_int, parse_float=_finite_float)
    except (ValueError, RecursionError, OverflowError, TypeError):  # JSONDecodeError and UnicodeDecodeError too
        raise ValueError(not_progress) from None
    if not isinstance(document, dict) or not isinstance(document.get("progress"), dict):
        raise ValueError("This JSON file holds no course progress.")
    restored = {}
    for page, entry in document["progress"].items():
        if page not in pages or not isinstance(entry, dict):
            continue
        try:
            counts = {key: int(entry[key]) for key in ("answered", "correct", "total")}
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if 0 <= counts["correct"] <= counts["answered"] <= counts["total"] <= 100:
            restored[page] = counts
    return restored


def progress_text(entry: dict | None) -> str:
    """A page's self-check score as the course map shows it.

    Examples
    --------
    >>> progress_text(None), progress_text({"answered": 0, "correct": 0, "total": 5})
    ('not started', 'not answered yet')
    >>> progress_text({"answered": 2, "correct": 1, "total": 5})
    '1 of 5 right'
    """
    if not entry:
        return "not started"
    if entry["answered"] == 0:
        return "not answered yet"
    return f"{entry['correct']} of {entry['total']} right"


def restore_into(progress: dict, restored: dict) -> bool:
    """Merge restored progress into the session's: a page keeps whichever record has more answers.

    Parameters
    ----------
    progress : dict
        The session's progress, changed in place.
    restored : dict
        Progress read back (from a file or the browser's copy), as `progress_from_json` returns it.

    Returns
    -------
    bool
        True when anything changed.

    Examples
    --------
    >>> session = {"pixels": {"answered": 0, "correct": 0, "total": 5}}
    >>> restore_into(session, {"pixels": {"answered": 3, "correct": 2, "total": 5}})
    True
    >>> session["pixels"]["correct"]
    2
    """
    changed = False
    for page, entry in restored.items():
        if entry["answered"] > progress.get(page, {}).get("answered", 0):
            progress[page] = dict(entry)
            changed = True
    return changed
