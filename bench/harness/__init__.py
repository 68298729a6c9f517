"""What every bench feature shares: the AWS call counter, moto patched for measuring, the
in-process app on moto (``world``), the timing of one operation, and the report's data model."""
