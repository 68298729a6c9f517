"""``-X importtime``, split: what each first-party module costs by itself, and what each
third-party or stdlib package it pulls in costs in total, charged to the first-party module
that imported it first."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from bench.coldstart.interpreters import first_party, python

LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


@dataclass
class ImportCost:
    name: str  # a first-party module (its own time) or a package it imports (in total)
    ms: float
    kind: str  # "self" or "imports"
    importers: list[str] = field(default_factory=list)
    biggest_inside: str = ""  # the costliest other package this one pulls in


@dataclass
class _Node:
    name: str
    self_us: int
    cumulative_us: int
    children: list[_Node] = field(default_factory=list)


def _tree(stderr: str) -> list[_Node]:
    """Top-level nodes of an ``-X importtime`` report (children print before parents)."""
    pending: dict[int, list[_Node]] = defaultdict(list)
    for line in stderr.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        depth = len(indent) // 2
        node = _Node(name, int(self_us), int(cumulative_us), pending.pop(depth + 1, []))
        pending[depth].append(node)
    return pending[0]


def _package(name: str) -> str:
    return name.split(".")[0]


def _costs(root: _Node) -> dict[tuple[str, str], tuple[float, set[str], dict[str, float]]]:
    """(name, kind) -> (ms, importers, ms of other packages nested inside) for one run."""
    costs: dict[tuple[str, str], tuple[float, set[str], dict[str, float]]] = {}

    def nested(node: _Node, into: dict[str, float], outer: str) -> None:
        for child in node.children:
            if _package(child.name) != outer:
                into[_package(child.name)] = into.get(_package(child.name), 0) + child.cumulative_us / 1000
            else:
                nested(child, into, outer)

    def walk(node: _Node) -> None:
        if first_party(node.name):
            costs[(node.name, "self")] = (node.self_us / 1000, set(), {})
            for child in node.children:
                walk_child(node, child)

    def walk_child(parent: _Node, child: _Node) -> None:
        if first_party(child.name):
            walk(child)
            return
        key = (_package(child.name), "imports")
        ms, importers, inside = costs.get(key, (0.0, set(), {}))
        nested(child, inside, _package(child.name))
        costs[key] = (ms + child.cumulative_us / 1000, importers | {parent.name}, inside)

    walk(root)
    return costs


def importtime(module: str, runs: int) -> tuple[list[ImportCost], float]:
    """The top costs of importing ``module`` (median over ``runs``), and its total in ms."""
    samples: list[dict[tuple[str, str], tuple[float, set[str], dict[str, float]]]] = []
    totals: list[float] = []
    for _ in range(runs):
        roots = [
            n for n in _tree(python("-X", "importtime", "-c", f"import {module}").stderr) if n.name == module
        ]
        if not roots:
            raise RuntimeError(f"-X importtime printed no line for {module}")
        samples.append(_costs(roots[0]))
        totals.append(roots[0].cumulative_us / 1000)
    keys = {k for sample in samples for k in sample}
    costs = []
    for name, kind in keys:
        ms = statistics.median(s.get((name, kind), (0.0, set(), {}))[0] for s in samples)
        importers = sorted({i for s in samples for i in s.get((name, kind), (0, set(), {}))[1]})
        shares: dict[str, list[float]] = defaultdict(list)  # nested package -> share per run
        for s in samples:
            own_ms, _, nested = s.get((name, kind), (0.0, set(), {}))
            for package, nested_ms in nested.items():
                shares[package].append(nested_ms / own_ms if own_ms else 0.0)
        share = {p: statistics.median(v + [0.0] * (len(samples) - len(v))) for p, v in shares.items()}
        biggest = max(share.items(), key=lambda kv: kv[1], default=None)
        label = f"{biggest[0]} ({biggest[1]:.0%} of it)" if biggest and biggest[1] >= 0.05 else ""
        costs.append(ImportCost(name, ms, kind, importers, label))
    costs.sort(key=lambda c: -c.ms)
    return costs, statistics.median(totals)
