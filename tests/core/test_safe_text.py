"""User-controlled strings as text: Markdown, Plotly labels and CSV cells."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from core.text.safe_text import csv_cell, html_table, md, plain, safe_csv

HOSTILE = [
    "![s](http://host.invalid/x.png)",
    "[click](http://host.invalid/phish)",
    "<img src=http://host.invalid/x.png>",
    "<http://host.invalid/x>",
    "see http://host.invalid/x and www.host.invalid",
    "mail me@host.invalid",
    "**bold** _it_ `code` ~~gone~~ $x^2$ :red[red] &lt;b&gt; # h",
    "a\n\n![s](http://host.invalid/x.png)",
    "[a]: http://host.invalid/x\n[a]",
    "1. list",
    "- item",
]


PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])  # what Streamlit's renderer does too


def _html(markdown: str) -> str:
    return PARSER.render(markdown)


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_shows_the_characters_and_no_markup(value):
    html = _html(f"Your image: {md(value)}")
    assert "<img" not in html and "<a " not in html and "<strong" not in html and "<em" not in html
    assert "<code" not in html and "<s>" not in html and "<ol" not in html and "<ul" not in html
    assert html.count("<p>") == 1  # one paragraph: a line break cannot start a new block
    tokens = PARSER.parseInline(md(value))[0].children
    shown = "".join(t.content for t in tokens).replace("\u2060", "")  # the invisible joiner aside
    assert shown == value.replace("\n", " ")  # the same characters, one line


@pytest.mark.parametrize("value", ["CT_small.dcm", "MR: head slice (pydicom MR_small)", "alice_private_scan.dcm",
                                   "my image 2.png"])
def test_ordinary_names_are_unchanged(value):
    assert md(value) == value


def test_long_values_are_cut():
    assert len(md("a" * 1000)) == 200 and md("a" * 1000).endswith("…")
    assert md("a" * 1000, limit=None) == "a" * 1000


def test_plotly_labels_are_html_escaped():
    assert plain('<a href="http://host.invalid/phish">CT</a>') == '&lt;a href="http://host.invalid/phish"&gt;CT&lt;/a&gt;'
    assert plain("A & B\nC") == "A &amp; B C"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    frame = pd.DataFrame({"file": ['=HYPERLINK("http://host.invalid","x")', "+1", "-cmd", "@SUM(A1)", "\tx", "ok.dcm"],
                          "min": [-1.5, 0.0, 1.0, 2.0, 3.0, 4.0]})
    back = pd.read_csv(io.BytesIO(safe_csv(frame)))
    assert back["file"].tolist() == ["'=HYPERLINK(\"http://host.invalid\",\"x\")", "'+1", "'-cmd", "'@SUM(A1)",
                                     "'\tx", "ok.dcm"]
    assert back["min"].tolist() == [-1.5, 0.0, 1.0, 2.0, 3.0, 4.0]  # numbers stay numbers
    assert csv_cell(-2) == -2


@pytest.mark.parametrize("value", ["see http://host.invalid/x", "https://h.invalid", "www.host.invalid",
                                   "WWW.host.invalid", "me@host.invalid", "mailto:me@host.invalid"])
def test_text_that_gfm_would_turn_into_a_link_is_broken_invisibly(value):
    """GFM's autolink literals are found in the text after escapes are read: an invisible joiner stops them."""
    import re

    text = "".join(t.content for t in PARSER.parseInline(md(value))[0].children)
    assert not re.search(r"https?://|www\.|[-.\w+]@", text, re.IGNORECASE)
    assert text.replace("\u2060", "") == value


def test_an_html_table_shows_every_cell_as_text_in_its_own_cell():
    import html as html_module
    import re

    hostile = ["a|b.dcm", "<img src=x onerror=alert(1)>", "<b>bold</b>", "</td></tr></table><script>x</script>",
               "&amp;.dcm", "line\nbreak.png"]
    table = html_table(["file", "<th>note"], [[name, "ok"] for name in hostile])
    assert "<img" not in table and "<b>" not in table and "<script" not in table and table.count("<table>") == 1
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    assert [html_module.unescape(c) for c in cells[0]] == ["file", "<th>note"]
    assert [html_module.unescape(row[0]) for row in cells[1:]] == [n.replace("\n", " ") for n in hostile]
    assert all(row[1] == "ok" for row in cells[1:])  # no cell broke out of its row
