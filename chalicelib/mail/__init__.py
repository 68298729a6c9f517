"""Emails: templates, the outbox written in the caller's transaction, the SES sender.

Public surface for the features: ``compose`` an email as an outbox item to write in the
transaction that causes it, then ``after_commit`` to send it right away; ``defer`` work
after the answer (a ``task``) the same way.
"""

from chalicelib.mail import privacy as privacy  # registers its GDPR part
from chalicelib.mail.budget import recipient_charge
from chalicelib.mail.models import OutboxMessage
from chalicelib.mail.outbox import after_commit, compose, defer
from chalicelib.mail.sender import Envelope
from chalicelib.mail.tasks import AlreadyDone, task

__all__ = [
    "AlreadyDone",
    "Envelope",
    "OutboxMessage",
    "after_commit",
    "compose",
    "defer",
    "recipient_charge",
    "task",
]
