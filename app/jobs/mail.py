"""Sending email in the background."""
from app.services import notifications


def send_email_job(to: str, subject: str, body: str) -> None:
    notifications.deliver(to, subject, body)
