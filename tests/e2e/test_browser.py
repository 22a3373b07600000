"""Every page of the course opens in a real browser, finishes, shows content and no error.

The pages are found at run time from the sidebar (see conftest.visits), visited
once, and each test below judges one aspect of all visits, listing every page
that fails it. Screenshots: tests/e2e/screenshots/NN_<page>.png.
"""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]  # covers one crawl of all pages


def _fail_if(failures: list[str], extra: str = "") -> None:
    if failures:
        pytest.fail(f"{len(failures)} problem(s):\n\n" + "\n\n".join(failures) + extra,
                    pytrace=False)


def test_every_page_finishes_without_exception(visits, server_log):
    failures = []
    for v in visits:
        if v.load_error:
            failures.append(f"{v.name} ({v.url}): did not finish loading: {v.load_error}\n"
                            f"  screenshot: {v.screenshot}")
        for text in v.exceptions:
            failures.append(f"{v.name} ({v.url}): exception shown:\n{text}\n"
                            f"  screenshot: {v.screenshot}")
    # The browser shows redacted errors (showErrorDetails = "none"); tracebacks are in the log.
    log = "\n".join(server_log.read_text(errors="replace").splitlines()[-150:])
    _fail_if(failures, f"\n\nserver log {server_log} (last lines):\n{log}")


def test_every_page_renders_content(visits):
    failures = [f"{v.name} ({v.url}): no text or heading in the main area; screenshot: {v.screenshot}"
                for v in visits if v.markdown_or_headings == 0]
    _fail_if(failures)


def test_no_uncaught_javascript_errors(visits):
    failures = [f"{v.name} ({v.url}): " + "\n".join(v.page_errors)
                for v in visits if v.page_errors]
    _fail_if(failures)


def test_every_lesson_of_the_course_map_was_opened(visits):
    """Page discovery must not fall back to the home page alone: the tests above judge every lesson."""
    from pathlib import PurePosixPath

    from ui.course import EXTRAS, OBJECTIVES

    expected = {PurePosixPath(p).stem for p in [o.page for o in OBJECTIVES if o.page] + [e.page for e in EXTRAS]}
    opened = {v.name for v in visits if not v.load_error}
    assert "home" in opened, sorted(opened)
    assert expected <= opened, f"not opened: {sorted(expected - opened)}; opened: {sorted(opened)}"
