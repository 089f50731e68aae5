"""Background jobs: functions that take plain values (ids, strings), call a service and are safe to
run twice. Services reach them only through `queue.enqueue`, by dotted path; only jobs import services."""
