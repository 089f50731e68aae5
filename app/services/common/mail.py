"""Email: queued to the `emails` worker; written to the log when no SMTP server is configured."""
import smtplib
from email.message import EmailMessage

from flask import current_app
from loguru import logger

from app.jobs import queue


def send_email(to: str, subject: str, body: str) -> None:
    queue.enqueue("app.jobs.mail.send_email_job", to, subject, body, queue="emails")


def deliver(to: str, subject: str, body: str) -> None:
    config = current_app.config
    outbox = current_app.extensions.setdefault("mail_outbox", [])
    if current_app.testing:
        outbox.append({"to": to, "subject": subject, "body": body})
    if not config["MAIL_SERVER"]:
        if config["ENV_NAME"] == "production":
            # Bodies can hold reset links; outside development they never go to the log.
            logger.warning("email not sent (no SMTP configured) to={} subject={!r}", to, subject)
        else:
            logger.info("email (no SMTP configured) to={} subject={!r}\n{}", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    logger.info("email sent to={} subject={!r}", to, subject)
