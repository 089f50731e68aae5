"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""
from app import create_app
from app.services.tracking import durability

app = create_app()
# In production, refuse to answer clicks into a Redis that would forget them (unless accepted).
durability.require_at_start(app, app.extensions.get("redis"))
