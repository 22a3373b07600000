"""ui.viewer: the three-plane cursor of a series without PixelSpacing invents no millimetres."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def script():
    import io

    import pydicom

    from core import samples
    from core.io import load_series
    from ui.viewer import show_volume

    files = []
    for name, data in samples.mni_dicom_series(step=40)[:5]:
        ds = pydicom.dcmread(io.BytesIO(data))
        del ds.PixelSpacing
        out = io.BytesIO()
        ds.save_as(out)
        files.append((name, out.getvalue()))
    show_volume(load_series(files), key="unknown")


def test_the_cursor_of_a_series_without_pixel_spacing_gives_no_millimetres():
    at = AppTest.from_function(script, default_timeout=120)
    at.run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Cursor:"))
    assert "voxel size unknown" in caption and "world position unknown" in caption and " mm" not in caption
