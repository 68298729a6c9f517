"""``make mail``: the emails the local service sent, newest first.

Reads ``GET http://127.0.0.1:<port>/_local/mail`` from the moto server that ``make run``
started: the port it recorded (``devtools.local_run``), or ``$AWS_PORT`` when set.
``--to ADDRESS`` keeps one recipient's, ``--limit N`` the newest N, ``--json`` prints them
as JSON (every field, HTML included) for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import urllib.error
import urllib.request
from typing import Any

from devtools import local_run

EXCERPT_LINES = 6


def fetch(aws_port: int, timeout: float = 5) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{aws_port}/_local/mail"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server: no proxy
    with opener.open(url, timeout=timeout) as answer:
        mails: list[dict[str, Any]] = json.loads(answer.read())
    return mails


def select(mails: list[dict[str, Any]], to: str | None, limit: int | None) -> list[dict[str, Any]]:
    if to:
        wanted = to.strip().lower()
        mails = [m for m in mails if any(wanted in address.lower() for address in m["to"])]
    return mails[:limit] if limit is not None else mails


def excerpt(text: str, links: list[str]) -> list[str]:
    """The first lines of the text part that say something (links are listed apart)."""
    lines = [line.strip() for line in text.splitlines()]
    useful = [line for line in lines if line and line != "--" and not any(link in line for link in links)]
    return [textwrap.shorten(line, 100, placeholder="...") for line in useful[:EXCERPT_LINES]]


def describe(mail: dict[str, Any]) -> str:
    lang = f" [{mail['language']}]" if mail.get("language") else ""
    lines = [
        f"To:      {', '.join(mail['to'])}",
        f"Subject: {mail['subject']}{lang}",
        f"Date:    {mail.get('received_at', '?')}   id {mail['message_id']}",
    ]
    lines += [f"Link:    {link}" for link in mail["links"]]
    lines += [f"  | {line}" for line in excerpt(mail["text"], mail["links"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mail", description=__doc__.split("\n")[0])
    parser.add_argument("--to", metavar="ADDRESS", help="only emails to this address (or part of it)")
    parser.add_argument("--limit", metavar="N", type=int, help="only the newest N")
    parser.add_argument("--json", action="store_true", help="print JSON, every field")
    parser.add_argument(
        "--aws-port", type=int, default=local_run.aws_port(), help="default: the running `make run`'s"
    )
    args = parser.parse_args(argv)
    try:
        mails = select(fetch(args.aws_port), args.to, args.limit)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        print(
            f"No local server on 127.0.0.1:{args.aws_port} ({reason}).\nStart it with `make run`.",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(mails, indent=2, ensure_ascii=False))
        return 0
    if not mails:
        print("No emails yet." if not args.to else f"No emails to {args.to}.")
        return 0
    print(f"{len(mails)} email(s), newest first\n")
    print("\n\n".join(describe(m) for m in mails))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
