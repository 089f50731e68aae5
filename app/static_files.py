"""Static files under names that carry a hash of their content, so browsers may keep them for a year.

`url_for("static", filename="css/app.css")` gives `/static/css/app.1a2b3c4d5e6f.css`; a new version of
the file gets a new name, so no one is ever served a stale copy. The hashed name is answered with
`Cache-Control: public, max-age=31536000, immutable`; the plain name (or a hash that is no longer the
file's) still works but is revalidated every time. Hashes are kept per file and worked out again
when the file changes on disk, so editing a stylesheet in development needs no restart.
"""
import hashlib
import os
import re

from flask import current_app, send_from_directory

ONE_YEAR = 365 * 24 * 3600
HASH_LENGTH = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


def init_app(app) -> None:
    app.extensions["static_hashes"] = {}
    app.url_defaults(_hashed_filename)
    app.view_functions["static"] = serve_static


def _digest(relative: str) -> str | None:
    """The content hash of a file in the static folder (None if there is no such file)."""
    path = os.path.join(current_app.static_folder, relative)
    try:
        stat = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    cache = current_app.extensions["static_hashes"]
    known = cache.get(relative)
    if known is not None and known[0] == (stat.st_mtime_ns, stat.st_size):
        return known[1]
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:HASH_LENGTH]
    cache[relative] = ((stat.st_mtime_ns, stat.st_size), digest)
    return digest


def _hashed_filename(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "filename" not in values:
        return
    filename = values["filename"]
    digest = _digest(filename)
    if digest is not None:
        stem, dot, suffix = filename.rpartition(".")
        values["filename"] = f"{stem}.{digest}.{suffix}" if dot else f"{filename}.{digest}"


def serve_static(filename: str):
    """A static file by its hashed name (kept a year) or its plain name (revalidated)."""
    match = _HASHED.match(filename)
    if match:
        plain = f"{match['stem']}{match['suffix']}"
        current = _digest(plain)
        if current is not None:
            immutable = current == match["digest"]
            return _send(plain, ONE_YEAR if immutable else 0, immutable)
    return _send(filename, 0, False)


def _send(filename: str, max_age: int, immutable: bool):
    response = send_from_directory(current_app.static_folder, filename, max_age=max_age)
    response.cache_control.public = True
    if immutable:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response
