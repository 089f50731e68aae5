"""Monitoring: the Prometheus metrics the app exposes, the state read at scrape time, and error reporting."""
