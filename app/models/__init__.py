"""The SQLAlchemy models, one module per aggregate; `create_app` loads every module so Alembic sees all tables."""
