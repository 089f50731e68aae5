"""Runs background jobs from Redis: `python worker.py [queue ...]` (default: every queue)."""
import argparse
import sys

from loguru import logger
from rq import Worker

from app import create_app
from app.extensions import redis_connection
from app.jobs.queue import QUEUES


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Run the background jobs queued in Redis (REDIS_URL).")
    parser.add_argument("queues", nargs="*", metavar="queue",
                        help=f"queues to listen on, in order of priority (default: {' '.join(QUEUES)})")
    queues = parser.parse_args(argv).queues or list(QUEUES)
    app = create_app()
    with app.app_context():
        connection = redis_connection()
        if connection is None:
            sys.exit("REDIS_URL is not set: without Redis, jobs run inside the web process.")
        logger.info("worker listening on {}", ", ".join(queues))
        Worker(queues, connection=connection).work(with_scheduler=False)


if __name__ == "__main__":
    main(sys.argv[1:])
