"""Links that a proven email earns an account (ERP instant accounts, ``chalicelib.erp``).

Identity proves the address (the verify link, a verified account's sign-in); a feature
above it decides what that proof links the account to. The feature registers one
``ProofLinks`` at import (as mail tasks do); identity asks it at three points, each
inside identity's own transaction so the link and its activity commit with the change:

- ``admits``: may this address sign up on a website whose sign-up is by invitation?
  Asked by the sign-up *task*, after the answer, so the request is the same for everyone;
- ``on_verified``: the customer attributes and steps the verify transaction adds;
- ``on_sign_in``: the steps a verified account's sign-in adds (link, relink, suspend).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.kernel.transactions import Step

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


@dataclass
class ProofChange:
    """What a proof adds to identity's transaction: attributes set on the customer (the
    verify transaction's own update) and further labelled steps (activity, memberships)."""

    actions: list[Any] = field(default_factory=list)
    steps: list[tuple[str, Step]] = field(default_factory=list)


class ProofLinks(Protocol):
    def admits(self, c: Container, email: str) -> bool: ...

    def on_verified(self, c: Container, customer_id: str, email: str) -> ProofChange | None: ...

    def on_sign_in(self, c: Container, customer_id: str, email: str) -> list[tuple[str, Step]]: ...


_links: ProofLinks | None = None


def register(links: ProofLinks) -> None:
    global _links
    _links = links


def admits(c: Container, email: str) -> bool:
    return _links is not None and _links.admits(c, email)


def on_verified(c: Container, customer_id: str, email: str) -> ProofChange | None:
    return None if _links is None else _links.on_verified(c, customer_id, email)


def on_sign_in(c: Container, customer_id: str, email: str) -> list[tuple[str, Step]]:
    return [] if _links is None else _links.on_sign_in(c, customer_id, email)
