"""Deferred work: a task written to the outbox by the request, worked after the answer.

Public routes whose work depends on whether an address has an account (sign-up, forgot
password, register later) answer after one write that is the same either way: a task in
the outbox, in the request's only transaction. The lookups and whatever follows (the
account, the "you already have an account" email, the reset link) happen in the task, which
the outbox's senders work like an email: the stream right after the commit, the sweeper
with backoff when it fails, dead-lettered in the end; inline stages work it right after the
commit, in the request.

A task is delivered at least once; its handler makes its effect exactly once by writing
``done`` (which marks the task sent, on condition that it is still pending) in the same
transaction as its effect. When that condition fails the task was already done: the
handler raises ``AlreadyDone``. A handler that returns an email wrote ``done`` with it; one
that returns none (nothing to do, or its email over budget) is marked done after it.

Features register their handlers with ``@task("name")`` when their module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.transactions import Step
from chalicelib.mail import store

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container
    from chalicelib.mail.sender import Envelope

PREFIX = "task:"
#: ``handler(c, data, done)`` -> the emails its transaction queued, to send right away
Handler = Callable[["Container", dict[str, Any], tuple[str, Step]], list["Envelope"]]
_HANDLERS: dict[str, Handler] = {}


class AlreadyDone(Exception):
    """The task's effect was written by an earlier delivery."""


class UnknownTask(Exception):
    """No handler is registered under the task's name (a deploy that dropped it)."""


def task(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for the tasks named ``name``."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[name] = handler
        return handler

    return register


def is_task(template: str) -> bool:
    return template.startswith(PREFIX)


def handler_for(template: str) -> Handler:
    handler = _HANDLERS.get(template.removeprefix(PREFIX))
    if handler is None:
        raise UnknownTask(template)
    return handler


def done_step(message_id: str, now: int) -> tuple[str, Step]:
    """Mark the task done, in the transaction of its effect (only while still pending)."""
    return store.sent_step(message_id, now)
