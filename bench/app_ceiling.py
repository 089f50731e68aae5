"""The middle figure of the click benchmark: the real application with one more view that only
redirects, exactly like bare_app.

Between bare_app and this, the difference is what the application around any view costs (request
hooks, the signed session, extensions); between this and /r/<code>, what looking the link up and
recording the click cost. Loaded only by the benchmark's gunicorn, never by the app itself.
"""
import secrets

from flask import g, redirect

from wsgi import app


@app.get("/bench/redirect-only/<code>")
def redirect_only(code):
    """The click route's answer without the click: the ceiling of any view in this application."""
    click_id = secrets.token_urlsafe(16)
    response = redirect(f"https://shop.example/landing?aff_click_id={click_id}", 302)
    response.set_cookie("aff_click_id", click_id, max_age=30 * 86400, path="/", samesite="Lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    g.quiet_request = True  # as the click route
    return response
