"""Email: queued to the `emails` worker; written to the log when no SMTP server is configured.

Messages about a decision are written in the recipient's language, with absolute links that also
work when a worker (outside any request) builds them.
"""
import smtplib
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from loguru import logger

from app.jobs import queue


@contextmanager
def in_language_of(user):
    """Translate what is written inside in `user`'s language (the default one if theirs is not offered)."""
    languages = current_app.config["LANGUAGES"]
    with force_locale(user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def absolute_url(endpoint: str, **values) -> str:
    """The public address of one of the app's pages, built without a request."""
    return current_app.config["PUBLIC_BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)


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
