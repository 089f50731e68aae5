"""Runs background jobs from Redis: `python worker.py [queue ...]` (default: all queues)."""
import sys

from loguru import logger
from rq import Worker

from app import create_app
from app.jobs import QUEUES, redis_connection


def main(argv: list[str]) -> None:
    app = create_app()
    with app.app_context():
        connection = redis_connection()
        if connection is None:
            sys.exit("REDIS_URL is not set: without Redis, jobs run inside the web process.")
        queues = argv or list(QUEUES)
        logger.info("worker listening on {}", ", ".join(queues))
        Worker(queues, connection=connection).work(with_scheduler=False)


if __name__ == "__main__":
    main(sys.argv[1:])
