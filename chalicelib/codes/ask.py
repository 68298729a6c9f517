"""Asking for a sign-in code: one write in the request, the code sent by a task.

The request writes one deferred task whatever the address (SPEC §4: the same answer, the
same DynamoDB calls); the task, after the answer, reads the address's login and code item
and writes the new code with its email, or, for an address that may not sign in, the same
item with no usable code and no email. Every address thus meets the same limits: the
resend cooldown, the codes per window and the tries per window, all silent on this side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import identity
from chalicelib.codes import keys, store
from chalicelib.codes.models import SignInCode
from chalicelib.codes.schemas import CodeRequestIn
from chalicelib.identity import Customer, Login, activity
from chalicelib.kernel.choices import SignupMode
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import SigninMethodDisabled
from chalicelib.kernel.i18n import negotiate
from chalicelib.kernel.models import is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import new_secret
from chalicelib.kernel.transactions import Step, run_steps
from chalicelib.mail import Envelope, after_commit, compose, defer, task

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

WINDOW_SECONDS = 3600  # the tries and the sends of an address are counted per window
CODE_ACCEPTED = {
    "status": "accepted",
    "message": "If this address may sign in here, we sent it a code. Check your inbox.",
}


def require_codes(c: Container) -> None:
    if not c.settings.code_signin:
        raise SigninMethodDisabled()


def request_code(c: Container, data: CodeRequestIn) -> dict[str, Any]:
    """One task write, whatever the address. ``device`` binds the emailed link to the
    requester: only a verify that presents it may use the link (the typed code needs not)."""
    require_codes(c)
    device = new_secret()
    language = negotiate([data.locale], c.settings.DEFAULT_LOCALE)
    details = {"email": data.email, "locale": language, "device_hash": keys.device_hash(c, device)}
    message, envelope = defer(c, "sign_in_code", details)
    run_steps([], [message])
    after_commit(c, [envelope])
    metric("SignInCodesRequested")
    return {**CODE_ACCEPTED, "device": device, "expires_in": c.settings.CODE_MINUTES * 60}


@dataclass(frozen=True)
class Target:
    """Whom a code for an address signs in."""

    kind: str  # "active" | "invited" (an account), "new" (creates one)
    customer: Customer | None = None
    epoch: int = 0


def target_of(c: Container, login: Login | None, now: int) -> Target | None:
    """An active or invited account; a new one where codes alone sign up (SIGNUP_MODE=free,
    SIGNIN_METHODS=code: the code proves the mailbox); else no one: no email is sent."""
    s = c.settings
    if login is None or not is_live(login, now):
        if s.SIGNUP_MODE is SignupMode.FREE and not s.password_signin:
            return Target("new")
        return None
    if login.status not in ("active", "invited"):
        return None  # blocked, inactive, anonymized; unverified sign-ups verify by their link
    customer = identity.get_customer(login.customer_id)
    if customer is None or customer.status != login.status:
        return None
    return Target(login.status, customer, int(login.session_epoch))


def refused(c: Container, item: SignInCode | None, now: int) -> bool:
    """No new code within the window: tries spent, sends spent, or too soon after the last."""
    s = c.settings
    return item is not None and (
        item.tries >= s.CODE_TRIES
        or item.sends >= s.CODE_SENDS_PER_HOUR
        or now - item.last_sent_at < s.CODE_RESEND_SECONDS
    )


@task("sign_in_code")
def _send_code(c: Container, data: dict[str, Any], done: tuple[str, Step]) -> list[Envelope]:
    s, now = c.settings, int(c.clock.now())
    login_key = identity.login_key(c, data["email"])
    key = keys.code_key(c, login_key)
    login, current = identity.get_login(login_key), store.get(key)
    seen = current if current is not None and current.window_ends > now else None
    if refused(c, seen, now):
        metric("SignInCodesRefused")
        return []
    target = target_of(c, login, now)
    code, link = f"{secrets.randbelow(10**6):06d}", new_secret()
    window_ends = seen.window_ends if seen else now + WINDOW_SECONDS
    item = SignInCode(
        key,
        tries=seen.tries if seen else 0,  # the tries carry over: a resend is no fresh start
        sends=(seen.sends if seen else 0) + 1,
        last_sent_at=now,
        window_ends=window_ends,
        expires_at=window_ends,
        expiry_bucket=expiry_bucket(window_ends),
        locale=data["locale"],
    )
    if target is None:
        store.issue(item, seen, [], done)
        return []
    _arm(c, item, target, code, link, data)
    customer = target.customer
    message, envelope = compose(
        c,
        "sign_in_code",
        data["email"],
        customer.locale if customer else data["locale"],
        {
            "name": customer.name if customer and target.kind == "active" else None,
            "website": s.WEBSITE_ID,
            "code": code,
            "link": s.link("/sign-in/link", f"{key}.{link}"),
            "minutes": s.CODE_MINUTES,
            "new_account": target.kind == "new",
        },
    )
    steps = []
    if customer is not None:  # the account's activity shows each code sent (no code in it)
        steps.append(activity.step(activity.event(c, customer.customer_id, "sign_in_code_sent", "customer")))
    if store.issue(item, seen, [message], done, *steps) and not envelope.dropped:
        metric("SignInCodesSent")
        return [envelope]
    return []


def _arm(c: Container, item: SignInCode, target: Target, code: str, link: str, data: dict[str, Any]) -> None:
    """Give ``item`` a usable code for ``target``."""
    now = int(item.last_sent_at)
    item.target = target.kind
    item.code_hash = keys.code_hash(c, item.code_key, code)
    item.link_hash = keys.link_hash(c, item.code_key, link)
    item.device_hash = data["device_hash"]
    item.email = data["email"]  # the link carries no address; removed when the code is used
    item.code_expires_at = now + c.settings.CODE_MINUTES * 60
    if target.customer is not None:
        item.customer_id = target.customer.customer_id
        item.epoch = target.epoch
        item.customer_version = target.customer.version
        item.invitation_id = target.customer.invitation_id
