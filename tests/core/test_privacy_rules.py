"""Privacy and safety rules checked on the code: bounded caches never keyed on an upload, no raw HTML."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STREAMLIT_CODE = sorted([*(ROOT / "lessons").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"])
FILE_LIKE = ("filename", "file_name", "upload", "uploaded", "files", "data_bytes")


def cached_functions():
    """(file, function, decorator call) for every st.cache_data / st.cache_resource function."""
    for path in STREAMLIT_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    call = decorator if isinstance(decorator, ast.Call) else None
                    target = call.func if call else decorator
                    if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                        yield path.name, node, call


def test_every_cache_is_bounded_and_in_memory():
    problems = []
    for file, function, call in cached_functions():
        keywords = {k.arg: k.value for k in call.keywords} if call else {}
        takes_arguments = bool(function.args.args)
        if takes_arguments and "max_entries" not in keywords and "ttl" not in keywords:
            problems.append(f"{file}:{function.name} has no max_entries or ttl")
        if "persist" in keywords:
            problems.append(f"{file}:{function.name} persists to disk")
    assert problems == []


def test_no_cache_is_keyed_on_a_file_name_or_an_unhashed_argument():
    problems = []
    for file, function, _ in cached_functions():
        for arg in function.args.args:
            if arg.arg.startswith("_") or arg.arg.lower() in FILE_LIKE:
                problems.append(f"{file}:{function.name}({arg.arg})")
    assert problems == []


def test_no_raw_html_from_anything_but_constants():
    problems = []
    for path in STREAMLIT_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "unsafe_allow_html" and not (
                        isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    problems.append(f"{path.name}:{node.lineno} unsafe_allow_html")
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name == "html" and node.args and not isinstance(node.args[0], (ast.Constant, ast.Name)):
                problems.append(f"{path.name}:{node.lineno} st.html with a computed string")
    assert problems == []
