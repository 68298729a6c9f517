"""Emails: templates, the outbox written in the caller's transaction, the SES sender.

Public surface for the features: ``compose`` an email as an outbox item to write in the
transaction that causes it, then ``after_commit`` to send it right away.
"""

from chalicelib.mail.models import OutboxMessage
from chalicelib.mail.outbox import after_commit, compose
from chalicelib.mail.sender import Envelope

__all__ = ["Envelope", "OutboxMessage", "after_commit", "compose"]
