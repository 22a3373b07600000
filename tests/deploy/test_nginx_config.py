"""The balancer's configuration as deploy/classroom.py writes it: what a class needs, accepted by real nginx."""

from __future__ import annotations

import re
import subprocess

import pytest

from deploy.classroom import NGINX, max_upload_mb, nginx_config


@pytest.fixture
def config(tmp_path) -> str:
    return nginx_config([8601, 8602, 8603], "127.0.0.1:8500", tmp_path, upload_mb=500)


def test_nginx_itself_accepts_the_configuration(tmp_path, config):
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_websockets_are_upgraded_and_may_stay_open_through_a_training(config):
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
    assert re.search(r"proxy_read_timeout (\d+)s;", config).group(1) == "3600"


def test_the_upload_limit_is_streamlit_s_plus_its_multipart_envelope(config):
    assert re.search(r"client_max_body_size (\d+)m;", config).group(1) == "501"
    assert "proxy_request_buffering off;" in config


def test_the_app_s_own_upload_limit_is_read_from_its_settings():
    assert max_upload_mb() == 500  # .streamlit/config.toml: server.maxUploadSize


def test_each_replica_has_a_cookie_of_its_own_and_the_others_as_backups(config):
    for name, port in (("r1", 8601), ("r2", 8602), ("r3", 8603)):
        assert f"        {name} course_{name};" in config  # cookie value -> the replica's group
        group = re.search(r"upstream course_%s \{(.*?)\}" % name, config, re.S).group(1)
        servers = re.findall(r"server 127\.0\.0\.1:(\d+)([^;]*);", group)
        assert servers[0] == (str(port), " max_fails=1 fail_timeout=3s")  # the replica first
        assert sorted(int(p) for p, rest in servers[1:] if rest == " backup") == \
            sorted({8601, 8602, 8603} - {port})
        assert f'"~127\\.0\\.0\\.1:{port}$" {name};' in config  # who answered -> the cookie set


def test_a_class_needs_a_replica(tmp_path):
    with pytest.raises(ValueError, match="at least one replica"):
        nginx_config([], "127.0.0.1:8500", tmp_path, upload_mb=500)
