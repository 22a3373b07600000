"""Nothing leaves the browser: on every lesson, with hostile file names, header values and folder names uploaded,
the learner's browser makes no request outside the app's own origin and shows no link or picture to elsewhere.

Each lesson is opened in a fresh session; a PNG whose name is Markdown and HTML pointing at another host is
uploaded in the sidebar (so every lesson shows it as the current image). On Exploring a DICOM file with such a
name and a hostile Modality is read as the dataset; on Supervised a .zip of class folders with such folder and
member names is read. Any request to another origin (the page icon from a font server, an image or link in a
name) fails the test; so does a link or an image in the page that points to the other host.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from conftest import SCREENSHOTS, VIEWPORT, discover_pages, wait_idle

HOST = "host.invalid"
# "http:host.invalid" is "http://host.invalid/" to a browser (the URL standard), and a file name cannot hold "/"
NAME = f"![s](http:{HOST}) <img src=http:{HOST}> [l](http:{HOST}) www.{HOST} x@{HOST} "
FOLDER = f"![c](http:{HOST})"


def _png(value: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((24, 24), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _dicom() -> bytes:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Modality = f'<a href="http://{HOST}/phish">CT</a>'
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def _class_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for k, folder in enumerate(("dark", FOLDER)):
            for i in range(6):
                archive.writestr(f"train/{folder}/{NAME}{i}.png", _png(40 + 150 * k + i))
    return buffer.getvalue()


def _upload(page, uploader, name: str, data: bytes, mime: str) -> None:
    uploader.locator('input[type="file"]').set_input_files({"name": name, "mimeType": mime, "buffer": data})
    page.wait_for_timeout(500)
    wait_idle(page)


def _elsewhere(page) -> list[str]:
    """Links and pictures in the page that point to the other host."""
    return page.eval_on_selector_all(
        "a[href], img[src], image, link[href]",
        f"els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || '')"
        f".filter(u => u.includes('{HOST}'))")


@pytest.mark.e2e
def test_no_request_leaves_the_apps_origin_on_any_lesson_even_with_hostile_names(browser, base_url):
    origin = urlsplit(base_url).netloc
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []
    context.on("request", lambda request: outside.append(request.url)
               if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(request.url).netloc != origin else None)
    page = context.new_page()
    urls = discover_pages(page, base_url)
    assert len(urls) >= 8
    report = {}
    for url in urls:
        try:
            _visit(page, url, report, outside)
        except Exception:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"offline_{urlsplit(url).path.strip('/') or 'home'}.png"),
                            full_page=True)
            raise
    context.close()
    assert not outside, f"requests left the app's origin: {sorted(set(outside))[:10]}"
    assert not {p: links for p, (_, links) in report.items() if links}, report


def _visit(page, url: str, report: dict, outside: list) -> None:
    """Open one lesson in a fresh session, upload the hostile files, and note what left or points elsewhere."""
    page.goto(url)
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"]')
    _upload(page, sidebar, NAME + ".png", _png(), "image/png")
    path = urlsplit(url).path
    if path.endswith("/exploring"):
        page.get_by_text("My own files", exact=True).click()
        wait_idle(page)
        files = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your files")
        _upload(page, files, NAME + ".dcm", _dicom(), "application/dicom")
        page.get_by_text("file(s) once archives are unpacked").wait_for(timeout=60_000)
    if path.endswith("/supervised"):
        page.goto(url + "?section=Data")  # lesson 6 shows one section at a time: the .zip is chosen in Data
        wait_idle(page)
        _upload(page, page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"]'), NAME + ".png",
                _png(), "image/png")
        page.get_by_text("My own images: a .zip of class folders", exact=True).click()
        wait_idle(page)
        classes = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your .zip of class folders")
        _upload(page, classes, NAME + ".zip", _class_zip(), "application/zip")
        page.get_by_text("A few examples of each class").wait_for(timeout=60_000)
    page.mouse.move(700, 500)  # hover over the charts: hover labels render their text too
    page.wait_for_timeout(300)
    assert page.locator('[data-testid="stException"]').count() == 0, path
    report[path] = (list(outside), _elsewhere(page))
