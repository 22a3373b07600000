"""The browser load test's reference: a bare multipage app, measured in the same run as the course (issue 19).

The course's sidebar picker and accessibility styles, and a navigation of the pages named in the environment
variable `BARE_PAGES`: a JSON list of [title, slider] pairs, which `loadtest/run.py` takes from the course's
learners (the pages they opened, in order, and whether they moved a slider there or changed the sidebar's
sample), so that the reference's learners take the same kinds of step. Each page is only its title and the
sidebar's image, with a slider that redraws it where the course's page had one. What a learner step costs
the browser here is what any Streamlit app with this navigation and picker costs before a lesson draws
anything of its own.

Run by `loadtest/run.py --reference`; `streamlit run loadtest/bare_app.py` to look at it.
"""

import json
import os
import sys
from functools import partial
from pathlib import Path

import streamlit as st

from ui.accessibility import apply_accessibility_css
from ui.picker import image_picker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bare_page import sidebar_image  # noqa: E402  (the benchmarks' bare page, the same image and slider)


def bare_page(title: str, slider: bool) -> None:
    """The page's title, then the sidebar's image (with a slider that redraws it when `slider`)."""
    st.title(title)
    sidebar_image(slider)


if __name__ == "__main__":
    st.set_page_config(page_title="Bare reference", layout="wide")
    pages = json.loads(os.environ.get("BARE_PAGES", '[["Home", false]]'))
    navigation = st.navigation([st.Page(partial(bare_page, title, slider), title=title, url_path=f"page{n}",
                                        default=n == 0) for n, (title, slider) in enumerate(pages)])
    apply_accessibility_css()
    image_picker()
    navigation.run()
