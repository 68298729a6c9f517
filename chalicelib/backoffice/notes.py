"""Staff notes: many per customer, each with its author (the staff key's name), time and
text, newest first; adding one is in the customer's activity (without the text)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.backoffice import store
from chalicelib.backoffice.models import Note
from chalicelib.identity import activity
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cursors import seal
from chalicelib.kernel.transactions import Step, run_or_conflict

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

PAGE = 50


def view(note: Note) -> dict[str, Any]:
    return {
        "note_id": note.note_key,
        "author": note.author,
        "author_key": note.author_key,
        "text": note.text,
        "created_at": iso(note.created_at),
    }


def add(c: Container, customer_id: str, text: str, actor: str) -> dict[str, Any]:
    """The note and its activity event, one transaction. ``actor``: ``staff:<key id>:<name>``."""
    now = c.clock.now()
    _, key_id, name = [*actor.split(":", 2), "", ""][:3]
    note = Note(
        customer_id,
        f"{int(now * 1000):013d}#{secrets.token_hex(4)}",
        author=name or key_id,
        author_key=key_id,
        text=text,
        created_at=int(now),
    )
    event = activity.event(c, customer_id, "note_added", actor, note_id=note.note_key)
    steps: list[tuple[str, Step]] = [
        ("note", lambda tx: tx.save(note, condition=Note.note_key.does_not_exist())),
        activity.step(event),
    ]
    run_or_conflict(steps)
    return view(note)


def page(c: Container, customer_id: str, cursor: str | None) -> dict[str, Any]:
    items, next_cursor = store.notes_page(customer_id, cursor, PAGE, seal(c, "notes", customer_id))
    return {"items": [view(n) for n in items], "next_cursor": next_cursor}


def count(customer_id: str) -> int:
    return store.notes_count(customer_id)
