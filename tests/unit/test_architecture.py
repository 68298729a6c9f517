"""The layout's rules are checked, not hoped for: import-linter's contracts (pyproject.toml)
pass on the tree, and each one breaks when a module breaks its rule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.kernel.models import BaseTable
from chalicelib.tables import ALL_TABLES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract", "culprit"),
    [
        (  # the kernel imports no feature
            "kernel/clock.py",
            "from chalicelib import identity",
            "Imports run one way",
            "chalicelib.kernel.clock -> chalicelib.identity",
        ),
        (  # a feature never reaches into another feature's store
            "portal/profile.py",
            "from chalicelib.identity import store",
            "Features meet through each other's public surface",
            "chalicelib.portal.profile -> chalicelib.identity.store",
        ),
        (  # nor into its models module: models travel through the surface
            "cleanup/service.py",
            "from chalicelib.checkout import models",
            "Features meet through each other's public surface",
            "chalicelib.cleanup.service -> chalicelib.checkout.models",
        ),
        (  # routes call services, never a store
            "api/portal.py",
            "from chalicelib.portal import store",
            "Features meet through each other's public surface",
            "chalicelib.api.portal -> chalicelib.portal.store",
        ),
        (  # a lower feature never imports a higher one
            "identity/sessions.py",
            "from chalicelib.checkout import guests",
            "Imports run one way",
            "chalicelib.identity.sessions -> chalicelib.checkout.guests",
        ),
        (  # no cycle between the modules of one package
            "identity/store.py",
            "from chalicelib.identity import accounts",
            "No import cycles between sibling modules",
            ".store -> .accounts",
        ),
    ],
)
def test_each_contract_breaks_when_a_module_breaks_its_rule(
    tmp_path: Path, module: str, planted: str, contract: str, culprit: str
) -> None:
    for package in ("chalicelib", "devtools"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint_imports(tmp_path).returncode == 0  # the copy keeps every contract

    target = tmp_path / "chalicelib" / module
    target.write_text(target.read_text("utf-8") + f"\n{planted}  # noqa\n", "utf-8")
    result = lint_imports(tmp_path)

    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert culprit in " ".join(broken.split())  # import-linter wraps long lines


def test_every_table_is_in_the_registry() -> None:
    """A feature's new model is listed in chalicelib.tables, so infra, policies and tests see it."""
    import app  # noqa: F401  (imports every feature, so every model has registered itself)

    assert set(BaseTable.registered) == set(ALL_TABLES)
    assert len(ALL_TABLES) == len(set(ALL_TABLES))
    suffixes = [model.TABLE_SUFFIX for model in ALL_TABLES]
    assert len(suffixes) == len(set(suffixes))
