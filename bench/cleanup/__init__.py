"""Cleanup: the scheduled cleanup on a table of 10,000 live customers and what expired among them.

``population`` sets the table up, ``passes`` runs the cleanup until complete and looks
everything up afterwards, ``section`` reports it. moto's ``Query`` is narrowed to the
items that can match meanwhile (``bench.harness.moto_queries``): on a table this size,
stock moto would spend ~50 ms sorting the whole table for every query.
"""

from __future__ import annotations

from bench.cleanup.passes import CleanupScale, run_until_complete
from bench.cleanup.population import LIVE_CUSTOMERS, populate
from bench.cleanup.section import sections
from bench.harness import moto_queries
from bench.harness.world import BENCH_SETTINGS, REGION, World

__all__ = ["LIVE_CUSTOMERS", "CleanupScale", "measure", "sections"]


def measure(w: World, live: int = LIVE_CUSTOMERS) -> CleanupScale:
    from chalicelib.kernel.models import configure_tables

    moto_queries.install()
    try:
        scale = run_until_complete(w, populate(w, live))
    finally:
        moto_queries.uninstall()
    configure_tables(BENCH_SETTINGS["TABLE_PREFIX"], REGION)  # back to the bench's own tables
    w.use(w.stream)
    return scale
