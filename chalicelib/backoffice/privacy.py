"""The back office's part of GDPR erasure and export (``kernel.privacy``): staff notes.

Erasure scrubs each note's text (free text about the person); its author and time stay, a
record that staff wrote something. The customer's search keys are identity's (erased in the
erasure's account transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.backoffice import store
from chalicelib.backoffice.models import Note
from chalicelib.backoffice.notes import view
from chalicelib.kernel import privacy

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


def _erase(c: Container, subject: privacy.Subject) -> None:
    written = [note for note in store.all_notes(subject.customer_id) if note.text]
    for note in written:
        note.text = ""
    privacy.put_items(written)


def _export(c: Container, customer_id: str) -> dict[str, Any]:
    return {"notes": [view(note) for note in store.all_notes(customer_id)]}


privacy.register("notes", Note, erase=_erase, export=_export)
privacy.not_personal(Note, "the note's sort key: <epoch ms>#<random>", "note_key")
