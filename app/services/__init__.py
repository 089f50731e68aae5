"""Use cases, one package per domain (mirroring the blueprints); each use case commits once and none
reads `flask.request`. Shared pieces live in `common`."""
