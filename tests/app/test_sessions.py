"""Two learners at once: one session never sees another's upload."""

from pathlib import Path

from pydicom.data import get_testdata_file

from core import samples
from harness import page_test, problems, upload


def test_an_upload_stays_in_its_own_session():
    alice, bob = page_test("lessons/loading.py"), page_test("lessons/loading.py")
    alice.run()
    bob.run()
    upload(alice, ("alice_private_scan.dcm", Path(get_testdata_file("MR_small.dcm")).read_bytes()))
    bob.run()
    assert not problems(alice) and not problems(bob)
    headers = lambda app: [h.value for h in app.header]  # noqa: E731
    assert "Your image: alice_private_scan.dcm" in headers(alice)
    assert f"Your image: {samples.DEFAULT}" in headers(bob)
    assert not any("alice" in m.value for m in [*bob.markdown, *bob.caption])
