"""What one stage deploys: its settings, its tables and the Lambda functions of the app."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from chalice.utils import to_cfn_resource_name

from chalicelib.kernel.choices import MailDispatch
from chalicelib.kernel.models import BaseTable, table_name
from chalicelib.kernel.settings import Settings, load_settings
from chalicelib.kernel.stage_config import load_config, stage_environment
from chalicelib.tables import ALL_TABLES

#: The function that reads the outbox table's stream (app.py: ``@app.lambda_function``).
STREAM_CONSUMER = "outbox_sender"
#: The Chalice logical id of the function that serves every route.
API_HANDLER = "APIHandler"


@dataclass(frozen=True)
class Table:
    model: type[BaseTable]
    name: str  # exactly what ``configure_tables`` points the model at
    #: created by this stage's stack; False for a pool's shared table in a member stage,
    #: which imports it from the pool owner's stack (``Fn::ImportValue``)
    owned: bool = True
    shared: bool = False  # one of a pool's shared tables

    @property
    def logical_id(self) -> str:
        """``staff-keys`` -> ``StaffKeysTable`` (never clashes with Chalice's ids)."""
        return "".join(part.capitalize() for part in self.model.TABLE_SUFFIX.split("-")) + "Table"


@dataclass(frozen=True)
class Function:
    """A Lambda function Chalice creates: its name in app.py, SAM logical id, function name."""

    key: str
    logical_id: str
    name: str


@dataclass(frozen=True)
class Stage:
    name: str
    app_name: str
    settings: Settings
    tables: tuple[Table, ...]
    functions: tuple[Function, ...]

    def function(self, key: str) -> Function:
        for function in self.functions:
            if function.key == key:
                return function
        known = ", ".join(f.key for f in self.functions)
        raise LookupError(f"the app defines no Lambda function {key!r} (it has: {known})")

    @property
    def stream_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.model.STREAM)

    @property
    def in_pool(self) -> bool:
        return self.settings.shared_table_prefix is not None

    @property
    def owns_pool(self) -> bool:
        """Creates the shared tables and secret: a standalone website, or the pool's owner."""
        return not self.in_pool or self.settings.POOL_OWNER

    def export_name(self, output: str) -> str:
        """The CloudFormation export of a pool's shared resource (``<app>-pool-<pool>-<output>``)."""
        return f"{self.app_name}-pool-{self.settings.ACCOUNT_POOL}-{output}"

    @property
    def consumed_stream_tables(self) -> tuple[Table, ...]:
        """Streams a function reads: the outbox's only where ``MAIL_DISPATCH=stream``."""
        return tuple(
            t
            for t in self.stream_tables
            if t.model.STREAM_CONSUMER
            and (
                t.model.STREAM_CONSUMER != STREAM_CONSUMER
                or self.settings.MAIL_DISPATCH is MailDispatch.STREAM
            )
        )


def table_names(prefix: str, shared_prefix: str | None = None) -> dict[type[BaseTable], str]:
    """The table name of every model for ``prefix``, as ``configure_tables`` names them."""
    return {model: table_name(model, prefix, shared_prefix) for model in ALL_TABLES}


def app_functions(chalice_app: Any, app_name: str, stage: str) -> tuple[Function, ...]:
    """Every Lambda function ``chalice package`` creates, named as ``chalice deploy`` names them."""
    functions: list[Function] = []
    if chalice_app.routes:
        functions.append(Function("api_handler", API_HANDLER, f"{app_name}-{stage}"))
    names = [auth.name for auth in chalice_app.builtin_auth_handlers]
    names += [fn.name for fn in chalice_app.pure_lambda_functions]
    names += [source.name for source in chalice_app.event_sources]
    for name in names:
        functions.append(Function(name, to_cfn_resource_name(name), f"{app_name}-{stage}-{name}"))
    too_long = [f.name for f in functions if len(f.name) > 64]
    if too_long:
        raise ValueError(f"Lambda function names longer than 64 characters: {', '.join(too_long)}")
    return tuple(functions)


def load_chalice_app() -> Any:
    """The ``app`` object of ``app.py`` (run from the project root)."""
    return importlib.import_module("app").app


def load_stage(name: str, chalice_app: Any | None = None) -> Stage:
    """Settings (validated), tables and functions of stage ``name`` of ``.chalice/config.json``.

    Raises ``KeyError`` for an unknown stage and ``SettingsError`` for invalid settings.
    """
    settings = load_settings(stage_environment(name))
    app_name = str(load_config()["app_name"])
    shared_prefix = settings.shared_table_prefix
    names = table_names(settings.TABLE_PREFIX, shared_prefix)
    tables = tuple(
        Table(
            model,
            names[model],
            owned=not (shared_prefix and model.SHARED_IN_POOL) or settings.POOL_OWNER,
            shared=bool(shared_prefix and model.SHARED_IN_POOL),
        )
        for model in ALL_TABLES
    )
    app = chalice_app if chalice_app is not None else load_chalice_app()
    return Stage(name, app_name, settings, tables, app_functions(app, app_name, name))


def pool_problems(name: str) -> list[str]:
    """What keeps stage ``name``'s pool from deploying: its websites must agree on the shared
    tables and secret, and exactly one of them (the owner) creates them. Local stages
    (``local…``) form their own pools."""
    settings = load_settings(stage_environment(name))
    if settings.shared_table_prefix is None:
        return []
    local = name.startswith("local")
    members = {
        other: load_settings(stage_environment(other))
        for other in load_config()["stages"]
        if other.startswith("local") == local
    }
    pool = {n: s for n, s in members.items() if s.ACCOUNT_POOL == settings.ACCOUNT_POOL}
    problems: list[str] = []
    owners = sorted(n for n, s in pool.items() if s.POOL_OWNER)
    if len(owners) != 1:
        problems.append(
            f"pool {settings.ACCOUNT_POOL} needs exactly one POOL_OWNER stage, has {owners or 'none'}"
        )
    for field in ("ACCOUNT_SCOPE", "POOL_TABLE_PREFIX", "SECRET_ID"):
        values = {str(getattr(s, field)) for s in pool.values()}
        if len(values) > 1:
            problems.append(
                f"the websites of pool {settings.ACCOUNT_POOL} differ on {field}: {sorted(values)}"
            )
    prefixes = {s.WEBSITE_ID: s.TABLE_PREFIX for s in pool.values()}
    for website, prefix in settings.POOL_DOCUMENTS_FROM:
        if prefixes.get(website) != prefix:
            problems.append(f"POOL_DOCUMENTS_FROM names {website}={prefix}: no such website in the pool")
    websites = [s.WEBSITE_ID for s in pool.values()]
    if len(set(websites)) != len(websites):
        problems.append(f"pool {settings.ACCOUNT_POOL} has two stages for one WEBSITE_ID")
    return problems
