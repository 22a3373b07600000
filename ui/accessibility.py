"""Page-wide accessibility styles, applied once per run by app.py.

Streamlit's theme sets the colours (.streamlit/config.toml, checked for contrast); the
few rules here cover what the theme cannot: a focus ring that is always visible for
keyboard users, and displayed formulas that never become a scroll box a keyboard
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
  /* Kernels and formulas are small: show them whole instead of in a 2-pixel scroll box. */
  .katex-display {{ overflow-x: visible !important; }}
</style>
"""


def apply_accessibility_css() -> None:
    """Add the page-wide accessibility styles (a style-only st.html takes no space on the page)."""
    st.html(ACCESSIBILITY_CSS)
