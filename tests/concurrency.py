"""Real concurrency for the race tests: threads released at the same instant, each with its own session."""
import os
import threading

import pytest

from app.extensions import db


def postgres_only(reason: str = "race tests need the real Postgres server (TEST_DATABASE_URL)") -> list:
    """The marks of a test module that runs only on Postgres (row locks, real concurrent sessions)."""
    return [
        pytest.mark.postgres,
        pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason=reason),
    ]


def run_together(app, count, work):
    """Run work(i) in `count` threads released at the same instant, each in its own app context.

    Returns what each thread returned or raised, in order; the caller's session then reads afresh.
    """
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # collected, so the test can say what each thread got
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    return results


def run_at_once(app, calls):
    """Each call in its own thread and app context (its own session), all released together."""
    return run_together(app, len(calls), lambda i: calls[i]())

