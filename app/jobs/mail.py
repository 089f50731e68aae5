"""Sending email in the background."""
from app.services.common import mail


def send_email_job(to: str, subject: str, body: str) -> None:
    mail.deliver(to, subject, body)
