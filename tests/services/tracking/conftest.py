"""Fixtures of the click store tests."""
import pytest
from sqlalchemy import text

from app.extensions import db
from app.services.tracking import partitions


@pytest.fixture
def drop_made_partitions(app):
    """Partitions a test makes outlive its rows (the suite empties tables, not the schema): drop them after."""
    before = set(partitions.partitions()) if partitions.is_partitioned() else set()
    db.session.rollback()
    yield
    if partitions.is_partitioned():
        for month, name in partitions.partitions().items():
            if month not in before:
                db.session.execute(text(f"DROP TABLE {name}"))
        db.session.commit()
