"""The configuration `rq cron` loads: every recurring job declared in app/schedule.py.

Run exactly one scheduler: `rq cron --url "$REDIS_URL" cron.py` from the project folder.
"""
from rq import cron

from app.schedule import register_all

register_all(cron.register)
