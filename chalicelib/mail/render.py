"""Render an email (subject, text, HTML) from its Jinja2 templates in one locale."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.i18n import translator

if TYPE_CHECKING:
    from jinja2 import Environment

    from chalicelib.kernel.branding import Brand

#: template name -> catalog key of its subject
SUBJECTS = {
    "verify": "verify.subject",
    "account_exists": "exists.subject",
    "reset": "reset.subject",
    "password_changed": "changed.subject",
    "invitation": "invite.subject",
    "invitation_existing": "invite_existing.subject",
    "merge_offer": "merge.subject",
    "email_change_confirm": "email_confirm.subject",
    "email_change_taken": "email_taken.subject",
    "email_change_requested": "email_requested.subject",
    "email_changed": "email_changed.subject",
    "sign_in_code": "code.subject",
    "erasure_confirm": "erasure.subject",
    "company_decision": "company.decision.subject",
    "company_invitation": "company.invite.subject",
    "webhook_disabled": "webhook_disabled.subject",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape

    env = Environment(
        loader=PackageLoader("chalicelib", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # "Sign in:" / "Se connecter :": the spacing before a colon is the language's
    env.filters["label"] = pass_context(lambda context, text: context["t"].label(text))
    return env


def render_email(template: str, language: str, context: dict[str, Any], brand: Brand) -> RenderedEmail:
    """Render in ``language`` under ``brand``: the shop's name is ``website`` in every message
    (whatever the outbox item was composed with), its colour, logo and contact in the layout."""
    t = translator(language)
    subject = t(SUBJECTS[template], website=brand.name)
    values = {**context, "website": brand.name, "brand": brand, "t": t, "lang": t.language}
    values["subject"] = subject
    env = environment()
    text = env.get_template(f"mail/{template}.txt").render(values)
    html = env.get_template(f"mail/{template}.html").render(values)
    return RenderedEmail(subject=subject, text=text.strip() + "\n", html=html)


def render_page(template: str, language: str, brand: Brand, **context: Any) -> str:
    t = translator(language)
    values = {**context, "website": brand.name, "brand": brand, "t": t, "lang": t.language}
    return environment().get_template(f"pages/{template}.html").render(values)
