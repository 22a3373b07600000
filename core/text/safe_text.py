"""User-controlled strings shown as text, never as markup.

File names, zip member and folder names and header values come from the
learner's files. Streamlit renders Markdown (images, links, LaTeX, colour
directives) in `st.markdown`, `st.caption`, `st.header`, `st.error`, metric
labels, expander labels and radio options; Plotly renders a subset of HTML
(clickable `<a href>` links, `<br>`, `<b>`, `<span style>`) in titles, tick
labels, legends and hover text. Every such string goes through one of these
two functions before it reaches the page (the Streamlit side imports them
from `ui.safe_text`; they live in core so that core's figure builders use the
same one):

- :func:`md` for anything Streamlit renders as Markdown;
- :func:`plain` for Plotly labels (HTML entities), and for text shown in
  widgets that print it as it is.

Both also fold line breaks and control characters into spaces, so a name
cannot start a new Markdown block, and bound the length of what is shown.
"""

from __future__ import annotations

import html
import re

MAX_SHOWN = 200  # characters of one user-controlled string shown on the page; the rest is elided
_BREAK = "\u2060"  # WORD JOINER: invisible, keeps the line together, and stops GitHub-style autolinks
_ALWAYS = frozenset("\\`*~[]<>!$&#|@{}")  # characters that start Markdown, HTML or Streamlit constructs
_NUMBER_TEXT = re.compile(r"[\s\d.,%+\-\u2212eE×]*")  # the text of a number: nothing in it can make markup


def _one_line(value: object, limit: int | None) -> str:
    text = "" if value is None else str(value)
    text = "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029") else c for c in text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def md(value: object, limit: int | None = MAX_SHOWN) -> str:
    """`value` as Markdown that shows exactly its characters.

    The characters that can start Markdown or HTML constructs are
    backslash-escaped (CommonMark allows it for every ASCII punctuation
    character): ``\\ ` * ~ [ ] < > ! $ & # | @ { }`` always, ``_`` unless
    it sits between two letters or digits (where it can neither open nor
    close emphasis), ``:`` before ``/``, the dot of ``www.`` and a list or
    heading marker at the start. GitHub-flavoured Markdown also turns
    ``www.x.org``, ``a@b.org`` and ``http://x`` into links after escapes are
    read, so an invisible WORD JOINER (U+2060) goes before that ``.``, ``@``
    or ``:``. That disarms images
    ``![a](url)``, links, autolinks, emphasis, code spans, HTML tags and
    entities, tables, LaTeX (``$``) and Streamlit's ``:color[...]``
    directives, while ordinary names such as ``CT_small.dcm`` or
    ``MR: head slice (MR_small)`` stay as they are. Line breaks become spaces.

    Parameters
    ----------
    value : object
        The string (or anything with a ``str``) to show.
    limit : int or None
        At most this many characters are kept (an ellipsis marks the cut);
        None keeps them all.

    Returns
    -------
    str
        Markdown source to embed in a Markdown string.

    Examples
    --------
    >>> md("![s](http://host/x.png)")
    '\\\\!\\\\[s\\\\](http\\u2060\\\\://host/x.png)'
    >>> md("MR: head slice (pydicom MR_small)")
    'MR: head slice (pydicom MR_small)'
    """
    text = _one_line(value, limit)
    out = []
    for i, c in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if c == "@" or (c == ":" and after == "/") or (c == "." and text[max(0, i - 3):i].lower() == "www"):
            out.append(_BREAK)  # GFM links "www.x", "a@b.c" and "http://x" in plain text, escapes or not
        if (c in _ALWAYS
                or (c == "_" and not (before.isalnum() and after.isalnum()))
                or (c == ":" and after == "/")
                or (c == "." and text[max(0, i - 3):i].lower() == "www")
                or (i == 0 and c in "-+=")
                or (c in ".)" and before.isdigit() and text[:i].isdigit())):
            out.append("\\")
        out.append(c)
    return "".join(out)


def plain(value: object, limit: int | None = MAX_SHOWN) -> str:
    """`value` as text for Plotly labels: ``&``, ``<`` and ``>`` as HTML entities, one line.

    Plotly turns ``<a href=...>``, ``<br>``, ``<b>`` and friends in titles,
    tick labels, legends and hover text into markup; entities it shows as the
    characters they stand for (``&quot;`` it does not know, so quotes stay).

    Examples
    --------
    >>> plain('<a href="http://host/phish">CT</a>')
    '&lt;a href="http://host/phish"&gt;CT&lt;/a&gt;'
    """
    return html.escape(_one_line(value, limit), quote=False)


def html_table(header: list, rows: list) -> str:
    """An HTML table whose every cell, header included, shows exactly its text (:func:`plain`: ``& < >`` as
    entities, one line).

    One block of HTML for a whole table: the browser lays it out once, where ``st.table`` renders every cell as
    Markdown of its own (a table of a thousand cells costs the learner's browser a second).

    Parameters
    ----------
    header : list
        The column names.
    rows : list of lists
        The cells, as text (or anything with a ``str``), one list per row.

    Returns
    -------
    str
        The ``<table>`` element.

    Examples
    --------
    >>> html_table(["file", "SNR"], [["<b>x</b>.dcm", "12.5"]])
    '<table><thead><tr><th scope="col">file</th><th scope="col">SNR</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;.dcm</td><td>12.5</td></tr></tbody></table>'
    """
    head = "".join(f'<th scope="col">{plain(c)}</th>' for c in header)
    body = "".join("<tr>" + "".join(f"<td>{plain(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table_cell(value: object) -> object:
    """A cell of ``st.table``, which renders every text cell (and column name) as Markdown: text through
    :func:`md` (no length limit); numbers, and the text of a number (digits, sign, separators, ``%``,
    exponent), as they are.

    Examples
    --------
    >>> table_cell("[l](http://h.invalid)"), table_cell("-3.7%"), table_cell("16,384"), table_cell(3)
    ('\\\\[l\\\\](http\\u2060\\\\://h.invalid)', '-3.7%', '16,384', 3)
    """
    if not isinstance(value, str) or _NUMBER_TEXT.fullmatch(value):
        return value
    return md(value, limit=None)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a string starting with ``= + - @`` (or a tab or carriage
    return) gets a leading apostrophe; numbers and other strings are returned unchanged.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://host","x")')
    '\\'=HYPERLINK("http://host","x")'
    >>> csv_cell(-3.5), csv_cell("CT")
    (-3.5, 'CT')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame) -> bytes:
    """`frame` (a pandas DataFrame) as UTF-8 CSV without its index, every text cell through :func:`csv_cell`.

    Column names go through it too. Numeric columns keep their numbers (a negative number is a number,
    not a formula).
    """
    cleaned = frame.copy()
    for column in cleaned.columns:
        if cleaned[column].dtype == object or str(cleaned[column].dtype) in ("string", "str"):
            cleaned[column] = cleaned[column].map(csv_cell)
    cleaned.columns = [csv_cell(c) for c in cleaned.columns]
    return cleaned.to_csv(index=False).encode()


def py_literal(value: str) -> str:
    """`value` as a Python string literal for generated code: `repr`, in double quotes when it can be.

    Whatever the characters (quotes, backslashes, line breaks), the literal
    evaluates back to `value` and nothing in it runs.

    Examples
    --------
    >>> py_literal("scan.png")
    '"scan.png"'
    >>> py_literal('x" + str(__import__("os").system("id")) + ".png')
    '\\'x" + str(__import__("os").system("id")) + ".png\\''
    """
    literal = repr(str(value))
    if literal.startswith("'") and '"' not in literal:
        literal = '"' + literal[1:-1] + '"'  # no quote inside: only the delimiters change
    return literal
