"""A contract for import-linter: features meet through each other's public surface.

``lint-imports`` (``make lint``) loads it from ``pyproject.toml``. For every direct import
between two modules of ``chalicelib``:

- from one feature into another, the imported module must be the other feature's package
  itself (its ``__init__``, the surface) or one of ``public_modules``;
- from the wiring (``api``, ``jobs``, ``cli``, ``tables``) into a feature, the imported
  module may be a service but never a feature's store or models (``private_names``).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from importlinter import Contract, ContractCheck, fields, output


class SurfaceContract(Contract):
    type_name = "surface"

    features = fields.ListField(subfield=fields.StringField())
    wiring = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField(), required=False)
    private_names = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        features: list[str] = list(self.features)  # type: ignore[call-overload]
        wiring: list[str] = list(self.wiring)  # type: ignore[call-overload]
        public = set(self.public_modules or [])  # type: ignore[arg-type]
        private: list[str] = list(self.private_names)  # type: ignore[call-overload]

        def owner(module: str, packages: list[str]) -> str | None:
            return next((p for p in packages if module == p or module.startswith(p + ".")), None)

        broken: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            source_feature = owner(importer, features)
            source_wiring = owner(importer, wiring)
            if source_feature is None and source_wiring is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = owner(imported, features)
                if target is None or target == source_feature:
                    continue
                leaf = imported.rsplit(".", 1)[-1]
                if source_feature is not None and imported != target and imported not in public:
                    reason = f"reaches inside {target}; use its surface ({target})"
                elif source_wiring is not None and any(fnmatch.fnmatch(leaf, p) for p in private):
                    reason = f"is a store or models module of {target}; call its services"
                else:
                    continue
                lines = [
                    d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)
                ]
                broken.append({"importer": importer, "imported": imported, "lines": lines, "reason": reason})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            where = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(
                f"{item['importer']} -> {item['imported']} ({where}) {item['reason']}", bold=False
            )
            output.new_line()
