"""Trim the Lambda zip of what the service never loads: Babel's CLDR data for languages it
does not speak (~30 MB of ~1,000 ``locale-data/*.dat`` files; ~10 MB of the zip).

Babel loads ``root`` and the language asked for (``Locale.parse("fr")``: ``fr.dat`` then
``root.dat``); the service asks only for ``SUPPORTED_LOCALES``, so their files (and their
regional variants, ``fr_CA.dat``) stay, the rest goes. A smaller zip is a faster cold start.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from chalicelib.kernel.choices import SUPPORTED_LOCALES

LOCALE_DATA = "babel/locale-data/"


def needed(name: str, languages: tuple[str, ...] = SUPPORTED_LOCALES) -> bool:
    if not name.startswith(LOCALE_DATA) or not name.endswith(".dat"):
        return True
    return PurePosixPath(name).stem.split("_")[0] in {"root", *languages}


def prune_locale_data(zip_path: Path) -> int:
    """Rewrite ``zip_path`` without the unneeded CLDR files; returns how many went."""
    slim = zip_path.with_suffix(".slim")
    removed = 0
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if needed(info.filename):
                target.writestr(info, source.read(info))  # same name, mode, date, compression
            else:
                removed += 1
    slim.replace(zip_path)
    return removed
