"""The naive baseline for cold import time: one route, three boto3 clients built at import.

This is what an app written without lazy clients does; ``bench.coldstart`` compares the
import of ``app.py`` against this module's. It sits at the top of ``bench`` on purpose:
importing it imports nothing else of the bench (a package's ``__init__`` would).
"""

import boto3
from chalice import Chalice

app = Chalice(app_name="baseline")

dynamodb = boto3.client("dynamodb")
ses = boto3.client("sesv2")
secrets = boto3.client("secretsmanager")


@app.route("/")
def index() -> dict[str, bool]:
    return {"ok": True}
