"""``make bench``: DynamoDB calls and latency per operation, feature by feature, and cold import time.

One module (or package) per feature of ``chalicelib``: ``identity``, ``mail``, ``checkout``,
``portal``, ``invitations``, ``cleanup``, plus ``coldstart`` for the import. Each measures
its operations in the shared in-process world (``harness.world``) and turns what it
measured into report ``Section``s (``harness.sections``); ``report`` renders them into
``docs/PERFORMANCE.md`` and ``run`` drives it all.
"""
