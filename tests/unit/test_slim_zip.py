"""The Lambda zip keeps Babel's CLDR data for the languages the service speaks, and only
those (``devtools/slim_zip.py``, run by ``make package``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from devtools.slim_zip import prune_locale_data


def test_only_the_spoken_languages_cldr_data_stays(tmp_path: Path) -> None:
    path = tmp_path / "deployment.zip"
    names = [
        "app.py",
        "babel/core.py",
        "babel/global.dat",
        "babel/locale-data/root.dat",
        "babel/locale-data/fr.dat",
        "babel/locale-data/fr_CA.dat",
        "babel/locale-data/de.dat",
        "babel/locale-data/ja.dat",
        "babel/locale-data/frr.dat",
        "babel/locale-data/LICENSE.unicode",
    ]
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            z.writestr(name, name)
    assert prune_locale_data(path) == 2
    with zipfile.ZipFile(path) as z:
        kept = z.namelist()
        assert z.read("babel/locale-data/fr.dat") == b"babel/locale-data/fr.dat"
    assert kept == [n for n in names if n not in ("babel/locale-data/ja.dat", "babel/locale-data/frr.dat")]
