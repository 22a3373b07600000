"""The server settings the course relies on for safety, read from .streamlit/config.toml."""

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
