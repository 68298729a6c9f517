"""Request bodies of the import routes."""

from __future__ import annotations

from typing import Literal

from chalicelib.kernel.schemas import Body


class ImportUploadIn(Body):
    """``{"upload": true, "format": "csv"}``: an upload URL instead of a body."""

    upload: Literal[True]
    format: Literal["csv", "xlsx"] = "csv"
