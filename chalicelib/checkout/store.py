"""Documents of a guest being merged: read a page, move it in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.checkout.models import Document
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.transactions import Cancelled, Step, run


@translated
def documents_of(customer_id: str, limit: int) -> list[Document]:
    return list(Document.query(customer_id, limit=limit, consistent_read=True))


def copy_to(document: Document, account_id: str) -> Document:
    """The same document, owned by the account."""
    values = {k: v for k, v in document.attribute_values.items() if k not in ("customer_id", "document_id")}
    return Document(account_id, document.document_id, **values)


def _put(document: Document) -> Step:
    """Copy only where the account holds no document with this id: never overwrite one.

    A guest's documents came from whoever checked out; the account's own copy (or a newer
    version the order system sent there mid-merge) is what the account keeps."""
    return lambda tx: tx.save(document, condition=Document.document_id.does_not_exist())


def _delete(document: Document) -> Step:
    return lambda tx: tx.delete(document)


@translated
def move_documents(documents: Sequence[Document], account_id: str) -> list[str]:
    """Put each under the account and delete it under the guest: all or none of the page.

    Returns the ids the account already held: those guest copies are only deleted."""
    copy = {d.document_id for d in documents}
    while True:
        steps: list[tuple[str, Step]] = []
        for document in documents:
            if document.document_id in copy:
                steps.append((f"put:{document.document_id}", _put(copy_to(document, account_id))))
            steps.append(("delete", _delete(document)))
        try:
            run(steps)
            return sorted(d.document_id for d in documents if d.document_id not in copy)
        except Cancelled as e:
            held = {label.split(":", 1)[1] for label in e.failed if label.startswith("put:")}
            if not held:
                raise
            copy -= held


@translated
def all_documents(customer_id: str) -> list[Document]:
    """Every document of a customer, every page (exports)."""
    return list(Document.query(customer_id, consistent_read=True))
