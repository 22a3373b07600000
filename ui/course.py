"""The course's pages in the lecture's order: their titles and summaries come from assets/course/, their icons from here.

A lesson whose file cannot be read keeps its place in the navigation under its name; opening it shows the
file's error (`ui.lesson.lesson_text`), and every other page keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.text.course_text import CourseFileError, load_lesson

OBJECTIVE_PAGES = [("pixels", ":material/grid_on:"), ("loading", ":material/folder_open:"),
                   ("exploring", ":material/query_stats:"), ("preparing", ":material/tune:"),
                   ("unsupervised", ":material/join_inner:"), ("supervised", ":material/neurology:")]
"""The lessons of the six lecture objectives, in order: (file name in lessons/ and assets/course/, icon)."""

EXTRA_PAGES = [("case_study", ":material/psychology:")]
"""Pages beyond the objectives (case studies), listed after them."""


@dataclass(frozen=True)
class Objective:
    """One lecture objective and the page that teaches it."""

    number: int
    title: str
    summary: str
    page: str
    icon: str = ""


@dataclass(frozen=True)
class Extra:
    """A page beyond the objectives (a case study), listed after them."""

    title: str
    page: str
    icon: str
    summary: str


def _words(name: str) -> tuple[str, str]:
    """A lesson's title and objective from its file, or its name and a note when the file cannot be read."""
    try:
        text = load_lesson(name)
    except CourseFileError:
        return name.replace("_", " ").capitalize(), "Its text cannot be read: open it to see why."
    return text.title, text.objective


OBJECTIVES = [Objective(number, *_words(name), f"lessons/{name}.py", icon)
              for number, (name, icon) in enumerate(OBJECTIVE_PAGES, 1)]
EXTRAS = [Extra(_words(name)[0], f"lessons/{name}.py", icon, _words(name)[1]) for name, icon in EXTRA_PAGES]
