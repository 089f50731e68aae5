"""Backups: a consistent dump of the database plus the uploaded files, with a manifest to check a restore against."""
