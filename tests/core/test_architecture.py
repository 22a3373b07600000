"""The layering rules of ARCHITECTURE.md, checked on the code itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules(folder: str) -> list[Path]:
    """Every Python file of a package, its sub-packages included."""
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_is_grouped_in_sub_packages_and_the_rules_walk_them():
    packages = {p.parent.name for p in modules("core") if p.name == "__init__.py" and p.parent != ROOT / "core"}
    assert {"io", "data", "snippets", "text", "questions"} <= packages
    walked = {str(p.relative_to(ROOT)) for p in modules("core")}
    assert {"core/io/dicom.py", "core/snippets/registration.py", "core/text/course_text.py"} <= walked
    assert len(list((ROOT / "core").glob("*.py"))) < len(walked) - 30  # most modules sit in a group


def test_core_never_imports_streamlit_or_ui():
    offenders = [str(p.relative_to(ROOT)) for p in modules("core")
                 if imported_modules(p) & {"streamlit", "ui", "lessons"}]
    assert offenders == []


def test_ui_never_imports_pages():
    assert [str(p.relative_to(ROOT)) for p in modules("ui") if "lessons" in imported_modules(p)] == []


def test_no_pages_folder_next_to_the_app():
    """A folder named pages/ beside app.py makes Streamlit run a bookmarked page URL on a fresh server
    as an old-style page, without app.py's navigation and image picker: the pages live in lessons/."""
    assert not (ROOT / "pages").exists()


def test_home_page_starts_without_tensorflow_keras_or_simpleitk():
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=120)\n"
        "at.run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'SimpleITK') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr[-2000:]


def test_every_core_function_has_a_docstring():
    missing = []
    for path in modules("core"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if ast.get_docstring(node) is None:
                    missing.append(f"{path.name}:{node.name}")
    assert missing == []
