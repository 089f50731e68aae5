"""The audit trail: recording every money or permission decision, and reading it back (masked) for
the admin pages and the CSV export."""
