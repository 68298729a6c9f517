"""``make bench``: DynamoDB calls and latency per operation, and cold import time.

See ``docs/PERFORMANCE.md`` (written by ``python -m bench.run``) for the figures.
"""
