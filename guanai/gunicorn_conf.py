"""Gunicorn's settings for serving Guanai (`make run`: gunicorn -c python:guanai.gunicorn_conf).

Its access log keeps no query string. Names typed into the list searches travel in GET URLs
(so that pages, links and the back button work; ID numbers never do, see
children.views.child_find), and gunicorn's usual access line holds the whole request line
and the Referer header, which is the previous page's address with its search in it. Here
the line has the path alone and the referring page's path alone. Django's own log names
only the path (request.path) of a refused or failed request.
"""

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]  # no type hints shipped

accesslog = "-"
errorlog = "-"
# The access line keeps gunicorn's usual format (Apache's combined): the logger below
# takes the query strings out of what the format names.
logger_class = "guanai.gunicorn_conf.QuerylessLogger"

# Atoms of the request, its headers ("{name}i") and its WSGI environ ("{name}e") that carry
# a query string; a format naming them gets the address without it.
_ADDRESS_ATOMS = ("f", "{referer}i", "{raw_uri}e", "{http_referer}e", "{request_uri}e")
_QUERY_ATOMS = ("q", "{query_string}e")


def without_query(address: str) -> str:
    """The address without its query string (and fragment)."""
    return address.partition("?")[0].partition("#")[0]


def _is_address(text: str) -> bool:
    return text.startswith("/") or "://" in text


class QuerylessLogger(Logger):
    """gunicorn's logger, with every query string left out of the access log and of the
    error log's "Error handling request" lines."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        for name in _ADDRESS_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = without_query(atoms[name])
        for name in _QUERY_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        # A request gunicorn failed to hand over is logged with its URI.
        args = tuple(
            without_query(arg) if isinstance(arg, str) and _is_address(arg) else arg for arg in args
        )
        super().exception(msg, *args, **kwargs)
