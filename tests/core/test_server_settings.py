"""The server settings the course relies on for safety, read from .streamlit/config.toml."""

import subprocess
import sys
import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())


def test_error_details_are_never_shown_to_the_learner():
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_xsrf_and_cors_protection_are_on():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["enableCORS"] is True


def test_upload_limit_is_deliberate_and_usage_statistics_off():
    assert CONFIG["server"]["maxUploadSize"] == 500
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_the_server_skips_the_full_garbage_collection_after_every_run():
    """Streamlit's default collects generation 2 after every run of every session (about 0.1 s with this app's
    heap, every other session waiting): off, as Streamlit itself reads the project's settings."""
    read = subprocess.run([sys.executable, "-c", "from streamlit import config; "
                           "print(config.get_option('runner.postScriptGC'))"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert read.stdout.strip() == "False", read.stderr[-2000:]
