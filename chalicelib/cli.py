"""Ops commands: ``python -m chalicelib.cli --stage NAME <command>``.

  staff-keys create --name NAME --scope SCOPE [--scope SCOPE ...] [--secret S]
                                               create a staff key carrying these scopes
                                               (``all``: every one); the secret is shown once
  staff-keys list                              list keys and scopes (never their secrets)
  staff-keys revoke KEY_ID                     revoke a key at once
  storefront-keys create|list|revoke           the same for storefront server keys
                                               (sent in X-Storefront-Key)
  check-settings                               validate the stage's settings
  sweep-outbox                                 run the outbox sweeper once
  cleanup [--dry-run]                          remove what expired (or show what would go)
  reapply-tombstones                           erase again the records a restore brought back
                                               (GDPR tombstones), with a progress bar
  backfill-references                          give customers made before references one,
                                               with their search keys (a progress bar)

AWS credentials and region come from the usual environment; ``AWS_ENDPOINT_URL``
points the commands at the local moto server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from chalicelib.identity import scopes as staff_scopes
from chalicelib.identity import staff_keys, storefront_keys
from chalicelib.kernel.bootstrap import Container, get_container
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import DomainError
from chalicelib.kernel.settings import load_settings
from chalicelib.kernel.stage_config import stage_environment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__.split("\n")[0])
    parser.add_argument("--stage", required=True, help="stage name in .chalice/config.json")
    commands = parser.add_subparsers(dest="command", required=True)
    for command, kind in (("staff-keys", "staff"), ("storefront-keys", "storefront")):
        keys = commands.add_parser(command, help=f"create, list or revoke {kind} keys")
        key_commands = keys.add_subparsers(dest="action", required=True)
        create = key_commands.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--secret", help="use this secret (local stages only)")
        if kind == "staff":
            create.add_argument(
                "--scope",
                action="append",
                required=True,
                dest="scopes",
                help=f"a scope the key carries, repeatable: {', '.join(staff_scopes.STAFF_SCOPES)} or all",
            )
        key_commands.add_parser("list")
        revoke = key_commands.add_parser("revoke")
        revoke.add_argument("key_id")
    commands.add_parser("check-settings")
    commands.add_parser("sweep-outbox")
    commands.add_parser("backfill-references", help="references and search keys for older customers")
    clean = commands.add_parser("cleanup", help="remove expired guests, sign-ups, tokens, sessions")
    clean.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    commands.add_parser("reapply-tombstones", help="erase again what a restore or sync brought back")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        os.environ.update(stage_environment(args.stage))
    except KeyError as e:
        print(e, file=sys.stderr)
        return 2
    try:
        return _run(args)
    except DomainError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "check-settings":
        settings = load_settings()
        print(f"stage {args.stage}: settings valid ({settings.WEBSITE_ID})")
        return 0
    c = get_container()
    if args.command == "cleanup":
        from chalicelib.cleanup.service import run

        print(json.dumps(run(c, budget=600.0, dry_run=args.dry_run), indent=2))
        return 0
    if args.command == "reapply-tombstones":
        from chalicelib.privacy import reapply_all

        print(json.dumps(reapply_all(c, progress_bar)))
    if args.command == "backfill-references":
        print(json.dumps(_backfill(c)))
        return 0
    if args.command == "sweep-outbox":
        from chalicelib.mail.outbox import sweep

        print(json.dumps(sweep(c)))
        return 0
    keys = staff_keys if args.command == "staff-keys" else storefront_keys
    if args.action == "create":
        if args.secret and args.stage != "local":
            print("error: --secret is only for the local stage", file=sys.stderr)
            return 2
        if args.command == "staff-keys":
            key, secret = staff_keys.create(c, args.name, args.secret, scopes=args.scopes)
            scopes = sorted(staff_keys.scopes_of(key))
            print(json.dumps({"key_id": key.key_id, "name": key.name, "scopes": scopes, "secret": secret}))
        else:
            key, secret = keys.create(c, args.name, args.secret)
            print(json.dumps({"key_id": key.key_id, "name": key.name, "secret": secret}))
        print("Keep the secret now: it is stored only as a hash.", file=sys.stderr)
    elif args.action == "list":
        for key in keys.list_keys(c):
            revoked = iso(key.revoked_at) or "-"
            line = f"{key.key_id}\t{key.name}\tcreated {iso(key.created_at)}\trevoked {revoked}"
            if args.command == "staff-keys":
                held = "all (made before scopes)" if key.scopes is None else " ".join(sorted(key.scopes))
                line += f"\tscopes {held}"
            print(line)
    elif args.action == "revoke":
        key = keys.revoke(c, args.key_id)
        print(f"revoked {key.key_id} ({key.name})")
    return 0


def progress_bar(done: int, total: int, width: int = 40) -> None:
    """A progress bar on stderr (a terminal's line, redrawn), then a newline when complete."""
    total = max(total, done, 1)
    filled = width * done // total
    end = "\n" if done >= total else ""
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {100 * done // total}%",
        end=end,
        file=sys.stderr,
    )
    sys.stderr.flush()


def _backfill(c: Container) -> dict[str, int]:
    from rich.progress import Progress  # ops tooling (dev requirements), never in the Lambda

    from chalicelib.backoffice import backfill

    with Progress(transient=False) as bar:
        task = bar.add_task("customers", total=backfill.estimate() or None)
        return backfill.backfill_references(c, progress=lambda n: bar.advance(task, n))


if __name__ == "__main__":
    raise SystemExit(main())
