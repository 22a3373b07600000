"""Every "Show the code" snippet of every lesson (every section of it), on its default image, runs as it is from an empty folder.

A learner copies a snippet, or downloads the page's code, and runs it with the project's interpreter from any
folder: `import core` must work there (the project installs itself into .venv, pyproject.toml), and nothing may
depend on the repository being the current folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.text.course_text import COURSE_DIR, load_lesson
from harness import page_test
from ui.code import COLLECTED_KEY

LESSONS = ["lessons/pixels.py", "lessons/loading.py", "lessons/exploring.py", "lessons/preparing.py",
           "lessons/unsupervised.py", "lessons/supervised.py", "lessons/case_study.py"]


def shown_snippets(page: str) -> list[tuple[str, str]]:
    """The distinct snippets a lesson shows on its first run, in every section for a lesson read in sections."""
    at = page_test(page, timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    snippets = list(at.session_state[COLLECTED_KEY])
    stem = Path(page).stem
    sections = load_lesson(stem).sections if (COURSE_DIR / f"{stem}.toml").exists() else ()
    for section in sections[1:]:
        at.session_state["section"] = section
        at.run()
        assert not at.exception, (section, [e.value for e in at.exception])
        snippets += at.session_state[COLLECTED_KEY]
    return list(dict.fromkeys(snippets))


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("page", LESSONS)
def test_every_snippet_of_the_lesson_runs_from_an_empty_folder(page, tmp_path):
    snippets = shown_snippets(page)
    assert snippets, f"{page} shows no code"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    failures = []
    for n, (title, code) in enumerate(snippets):
        folder = tmp_path / f"snippet-{n}"
        folder.mkdir()
        result = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True,
                                timeout=600)
        if result.returncode != 0:
            failures.append(f"{title} #{n}: {result.stderr.strip().splitlines()[-1:]}")
    assert not failures, "\n".join(failures)
