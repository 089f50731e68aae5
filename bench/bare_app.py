"""The ceiling of the click benchmark: a Flask app that only answers a 302 with a cookie.

Served by the same gunicorn settings as the real app, so the difference is what recording costs.
"""
import secrets

from flask import Flask, redirect

app = Flask(__name__)


@app.get("/r/<code>")
def follow(code):
    """Redirect like the click route does, without looking anything up or recording anything."""
    click_id = secrets.token_urlsafe(16)
    response = redirect(f"https://shop.example/landing?aff_click_id={click_id}", 302)
    response.set_cookie("aff_click_id", click_id, max_age=30 * 86400, path="/", samesite="Lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response
