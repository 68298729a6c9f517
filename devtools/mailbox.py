"""Read the emails SES (moto) received: parse the raw MIME into subject, parts and links."""

from __future__ import annotations

import email
import re
from dataclasses import asdict, dataclass, field
from email.message import Message
from email.policy import default
from typing import Any

LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Mail:
    message_id: str
    to: list[str]
    subject: str
    text: str
    html: str
    language: str
    links: list[str] = field(default_factory=list)
    sender: str = ""  # the From header: the website the request came from

    def link(self, fragment: str) -> str:
        """The first link containing ``fragment``."""
        for link in self.links:
            if fragment in link:
                return link
        raise LookupError(f"no link with {fragment!r} in {self.links}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _part(message: Message, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset() or "utf-8"
            return payload.decode(charset) if isinstance(payload, bytes) else str(payload)
    return ""


def parse_raw(message_id: str, destinations: list[str], raw: str) -> Mail:
    message = email.message_from_string(raw, policy=default)
    text = _part(message, "plain")
    html = _part(message, "html")
    links = list(dict.fromkeys(LINK.findall(text)))
    return Mail(
        message_id=message_id,
        to=list(destinations),
        subject=str(message["Subject"]),
        text=text,
        html=html,
        language=str(message.get("Content-Language", "")),
        links=links,
        sender=str(message.get("From", "")),
    )


def from_moto_backend(account_id: str = "123456789012", region: str = "us-east-1") -> list[Mail]:
    """Every email moto's in-process SES backend received, oldest first."""
    from moto.ses.models import ses_backends

    backend = ses_backends[account_id][region]
    mails = []
    for sent in backend.sent_messages:
        raw = getattr(sent, "raw_data", None)
        if raw is not None:
            mails.append(parse_raw(sent.id, list(sent.destinations), raw))
    return mails
