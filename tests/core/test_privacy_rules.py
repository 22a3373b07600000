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


ESCAPING = ("html_table", "plain", "escape")  # builders that write every user string as text (entities)


def _html_of_constants(node: ast.expr, whole: bool = True) -> bool:
    """Whether an expression is HTML made only of constants (a module's UPPER_CASE names inside a larger
    expression; any name as the whole argument, as before) and the escaping builders' output."""
    parts = lambda *nodes: all(_html_of_constants(n, whole=False) for n in nodes)  # noqa: E731
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return whole or node.id.isupper()
    if isinstance(node, ast.BinOp):  # "a" + b, CSS % value
        return parts(node.left, node.right)
    if isinstance(node, ast.JoinedStr):
        return parts(*(v.value if isinstance(v, ast.FormattedValue) else v for v in node.values))
    if isinstance(node, ast.IfExp):
        return parts(node.body, node.orelse)
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return name in ESCAPING
    return False


def test_the_html_rule_takes_escaped_text_and_constants_only():
    def ok(source: str) -> bool:
        return _html_of_constants(ast.parse(source, mode="eval").body)

    assert ok('CSS % (f"{ROOM_PX}px" if room else "1rem") + html_table(head, rows) + f"<p>{escape(name)}</p>"')
    assert not ok('f"<b>{name}</b>"') and not ok('"<b>" + name + "</b>"') and not ok('CSS + md(name)')


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
            if name == "html" and node.args and not _html_of_constants(node.args[0]):
                problems.append(f"{path.name}:{node.lineno} st.html with a computed string")
    assert problems == []
