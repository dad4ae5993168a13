"""Names typed into a list search travel in the URL: the server's logs keep them out."""

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser

from guanai import gunicorn_conf

NAME = "张三"
SEARCH = f"/children/?q={quote(NAME)}&township=510821101000&page=2"


def gunicorn_logger(log_file: Path):
    """gunicorn's logger as `make run` configures it, writing the access log to a file."""
    config = Config()
    for setting in ("errorlog", "logger_class"):
        config.set(setting, getattr(gunicorn_conf, setting))
    config.set("accesslog", str(log_file))
    return config, config.logger_class(config)


def logged_access_line(tmp_path: Path, raw_request: bytes) -> str:
    """The access line gunicorn writes for this request, parsed as gunicorn parses it."""
    log_file = tmp_path / "access.log"
    config, logger = gunicorn_logger(log_file)
    request = next(RequestParser(config, iter([raw_request]), ("127.0.0.1", 50000)))
    response, environ = wsgi.create(request, None, ("127.0.0.1", 50000), ("", 8000), config)
    response.status = "200 OK"
    logger.access(response, request, environ, timedelta(milliseconds=12))
    return log_file.read_text(encoding="utf-8")


def test_make_run_serves_with_this_configuration():
    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    assert "gunicorn -c python:guanai.gunicorn_conf guanai.wsgi" in makefile
    assert gunicorn_conf.accesslog == "-"


def test_a_name_searched_for_stays_out_of_the_access_log(tmp_path):
    raw = (
        f"GET {SEARCH} HTTP/1.1\r\n"
        "Host: guanai.example\r\n"
        f"Referer: http://guanai.example/children/?q={quote(NAME)}\r\n"
        "User-Agent: Mozilla/5.0\r\n\r\n"
    ).encode()
    line = logged_access_line(tmp_path, raw)
    assert '"GET /children/ HTTP/1.1" 200' in line  # the path is there, and the referrer's
    assert '"http://guanai.example/children/"' in line
    for trace in (NAME, quote(NAME), "q=", "510821101000", "page=2"):
        assert trace not in line


def test_a_query_named_in_a_custom_format_is_left_out_too(tmp_path):
    log_file = tmp_path / "access.log"
    config, _logger = gunicorn_logger(log_file)
    config.set(
        "access_log_format", '"%(r)s" %(q)s %({raw_uri}e)s %({query_string}e)s %({referer}i)s'
    )
    logger = config.logger_class(config)
    raw = f"GET {SEARCH} HTTP/1.1\r\nHost: x\r\nReferer: http://x{SEARCH}\r\n\r\n".encode()
    request = next(RequestParser(config, iter([raw]), ("127.0.0.1", 50000)))
    response, environ = wsgi.create(request, None, ("127.0.0.1", 50000), ("", 8000), config)
    response.status = "200 OK"
    logger.access(response, request, environ, timedelta(milliseconds=12))
    line = log_file.read_text(encoding="utf-8")
    assert line.count("/children/") == 3
    assert quote(NAME) not in line


def test_a_request_gunicorn_failed_on_is_logged_without_its_query(tmp_path, caplog):
    _config, logger = gunicorn_logger(tmp_path / "access.log")
    logger.error_log.propagate = True
    with caplog.at_level(logging.ERROR, logger="gunicorn.error"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("Error handling request %s %s", "GET", SEARCH)
    assert "Error handling request GET /children/" in caplog.text
    assert quote(NAME) not in caplog.text


@pytest.mark.parametrize("path", ["/children/999999/", "/no-such-page/"])
def test_django_logs_a_refused_request_by_its_path_alone(path, cast, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(cast["teacher"]).get(f"{path}?q={NAME}")
    assert response.status_code == 404
    assert path in caplog.text
    assert NAME not in caplog.text
    assert reverse("children:child_list")  # the list itself is searched by GET
