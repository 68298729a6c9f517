"""Send one email through SES v2 as a MIME message with text and HTML parts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.mail.render import render_email

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container


@dataclass
class Envelope:
    """An email in clear, held in memory by the request that composed it."""

    message_id: str
    template: str
    to: str
    language: str
    context: dict[str, Any] = field(default_factory=dict)
    dropped: bool = field(default=False, compare=False)  # over its recipient's budget: not queued

    def to_json(self) -> bytes:
        body = {"template": self.template, "to": self.to, "language": self.language}
        return json.dumps({**body, "context": self.context}).encode("utf-8")

    @classmethod
    def from_json(cls, message_id: str, data: bytes) -> Envelope:
        body = json.loads(data)
        return cls(message_id, body["template"], body["to"], body["language"], body["context"])


class SendFailed(Exception):
    """SES did not accept the email (outage, throttling, rejection); the outbox retries."""


def build_mime(c: Container, envelope: Envelope) -> bytes:
    brand = c.settings.brand
    rendered = render_email(envelope.template, envelope.language, envelope.context, brand)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr((brand.name, c.settings.MAIL_FROM))
    message["To"] = envelope.to
    if brand.support_email:  # a reply reaches the shop's support, not the no-reply sender
        message["Reply-To"] = brand.support_email
    message["Message-ID"] = make_msgid(domain=c.settings.MAIL_FROM.split("@")[-1])
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = envelope.language  # after set_content, which clears Content-*
    return message.as_bytes()


def send_email(c: Container, envelope: Envelope) -> str:
    raw = build_mime(c, envelope)
    try:
        answer = c.ses.send_email(
            FromEmailAddress=c.settings.MAIL_FROM,
            Destination={"ToAddresses": [envelope.to]},
            Content={"Raw": {"Data": raw}},
        )
    except ClientError as e:
        raise SendFailed(str(e.response.get("Error", {}).get("Code", "ClientError"))) from e
    except BotoCoreError as e:
        raise SendFailed(type(e).__name__) from e
    return str(answer["MessageId"])
