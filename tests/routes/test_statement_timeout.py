"""Page requests run their statements under a time limit on Postgres; tracking requests do not."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.services.conversions import click_lists
from app.statement_timeout import is_page_request, timed_out
from tests.conftest import is_postgres


@pytest.fixture
def limited(app, monkeypatch):
    if not is_postgres(app):
        pytest.skip("statement_timeout is a Postgres setting")
    monkeypatch.setitem(app.config, "PAGE_STATEMENT_TIMEOUT_MS", 100)
    return app


def shown_limit() -> str:
    return db.session.scalar(text("SHOW statement_timeout"))


def test_which_requests_are_pages(app):
    for path, method, page in (("/conversions/", "GET", True), ("/home/admin", "HEAD", True),
                               ("/conversions/bulk", "POST", False), ("/r/abc", "GET", False),
                               ("/t/conversion.gif", "GET", False), ("/api/v1/postback", "GET", False),
                               ("/health", "GET", False), ("/no-such-page", "GET", False)):
        with app.test_request_context(path, method=method):
            assert is_page_request() is page, path


def test_a_page_transaction_carries_the_limit_and_it_ends_with_it(limited):
    with limited.test_request_context("/conversions/"):
        assert shown_limit() == "100ms"
        db.session.commit()
        assert shown_limit() == "100ms"  # the next transaction of the same page too
        with db.engine.connect() as own:  # a connection of its own (the analytics reader's kind)
            assert own.scalar(text("SHOW statement_timeout")) == "100ms"
        db.session.rollback()
    db.session.remove()
    assert shown_limit() != "100ms"  # the pooled connection does not keep it


def test_a_tracking_request_is_not_limited(limited):
    with limited.test_request_context("/r/abc"):
        assert db.session.scalar(text("SELECT 1 FROM pg_sleep(0.3)")) == 1
    db.session.remove()


def test_a_runaway_page_fails_alone_with_a_message(limited, client, login_as, monkeypatch):
    login_as("admin")

    def slow(*args, **kwargs):
        db.session.execute(text("SELECT pg_sleep(2)"))

    monkeypatch.setattr(click_lists, "campaign_clicks", slow)
    db.session.remove()  # as a server's fresh request would, the request opens its own transaction
    response = client.get("/conversions/campaign-clicks")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "took too long" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get("/conversions/").status_code == 200


def test_timed_out_knows_the_cancellation(limited):
    with limited.test_request_context("/conversions/"):
        with pytest.raises(OperationalError) as caught:
            db.session.execute(text("SELECT pg_sleep(1)"))
        assert timed_out(caught.value)
        db.session.rollback()
    db.session.remove()


def test_with_the_page_gate_a_page_query_uses_one_backend(limited, monkeypatch):
    monkeypatch.setitem(limited.config, "PAGE_CONCURRENCY", 2)
    with limited.test_request_context("/conversions/"):
        assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
        assert shown_limit() == "100ms"
        db.session.rollback()
    db.session.remove()
    with limited.test_request_context("/r/abc"):  # tracking and everything else keep the server's setting
        assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) != "0"
    db.session.remove()
