"""A WSGI app for the gunicorn worker tests: `/slow/<name>` answers only once the file
`<SLOW_PAGES_DIR>/<name>` exists; every other path answers at once with its own path."""
import os
import time


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/slow/"):
        release = os.path.join(os.environ["SLOW_PAGES_DIR"], path.rpartition("/")[2])
        deadline = time.monotonic() + 60
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.01)
    body = path.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
