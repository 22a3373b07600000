"""Page-wide accessibility styles, applied once per run by app.py.

Streamlit's theme sets the colours (.streamlit/config.toml, checked for contrast); the
few rules here cover what the theme cannot: a focus ring that is always visible for
keyboard users, syntax colours of the code panels with enough contrast, and displayed formulas that never become a scroll box a keyboard
cannot reach (axe-core's scrollable-region-focusable). tests/e2e/test_accessibility.py
checks every page with axe-core.
"""

from __future__ import annotations

import streamlit as st

FOCUS_COLOUR = "#0969da"
"""The theme's primary blue: 5.19:1 against white, above the 3:1 WCAG 2.1 asks of a focus indicator."""

ACCESSIBILITY_CSS = f"""
<style>
  /* WCAG 2.4.7: a keyboard user always sees where the focus is (mouse clicks keep Streamlit's look). */
  a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible,
  [role="slider"]:focus-visible, input:focus-visible, textarea:focus-visible, [tabindex]:focus-visible {{
    outline: 3px solid {FOCUS_COLOUR} !important; outline-offset: 2px !important;
  }}
  /* Syntax colours of the code panels: Streamlit's fixed palette (not set by the theme) gives keywords 3.8:1 and
     strings 2.9:1 on the code background; these give 4.9:1 to 12:1 (GitHub's light palette). */
  pre .token.comment, pre .token.prolog, pre .token.doctype,
  pre .token.cdata, pre .token.punctuation,
  pre .token.unchanged.line {{ color: #57606a !important; }}
  pre .token.keyword, pre .token.tag, pre .token.attr-name,
  pre .token.property, pre .token.variable {{ color: #0550ae !important; }}
  pre .token.function, pre .token.class-name,
  pre .token.selector {{ color: #6639ba !important; }}
  pre .token.string, pre .token.char, pre .token.attr-value {{
    color: #0a3069 !important; }}
  pre .token.boolean, pre .token.constant, pre .token.symbol,
  pre .token.inserted {{ color: #116329 !important; }}
  pre .token.number, pre .token.regex, pre .token.operator,
  pre .token.entity, pre .token.decorator,
  pre .token.atrule {{ color: #953800 !important; }}
  pre .token.url {{ color: #8250df !important; }}
  pre .token.important, pre .token.deleted {{ color: #a40e26 !important; }}
  /* Inline code in a caption: Streamlit's green, drawn at the caption's 60 % opacity, gives 3.0:1; the caption's
     own colour gives 4.96:1. */
  [data-testid="stCaptionContainer"] code {{ color: inherit !important; }}
  /* Kernels and formulas are small: show them whole instead of in a 2-pixel scroll box. */
  .katex-display {{ overflow: visible !important; }}
</style>
"""


def apply_accessibility_css() -> None:
    """Add the page-wide accessibility styles (a style-only st.html takes no space on the page)."""
    st.html(ACCESSIBILITY_CSS)
