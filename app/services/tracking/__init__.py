"""The click path: following a tracking link, buffering the click (Redis stream, database, spool
file), the per-process link cache, and the drain that stores buffered clicks in batches."""
