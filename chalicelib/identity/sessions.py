"""Sign-in, refresh, sign-out, and reading the signed-in customer.

Access tokens are short JWTs carrying the customer's session epoch; routes that
read the customer refuse a token whose epoch is older than the customer's, so a
password reset, change or status change ends every session at once. Refresh
tokens rotate on every use; presenting an already-rotated one ends the session.
"""

from __future__ import annotations

import math
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.identity import activity
from chalicelib.identity import session_store as store
from chalicelib.identity import store as account_store
from chalicelib.identity.models import Customer, Login, Session
from chalicelib.identity.schemas import RefreshIn, SignInIn
from chalicelib.kernel.clock import expiry_bucket
from chalicelib.kernel.errors import (
    AccountDisabled,
    EmailNotVerified,
    InvalidCredentials,
    NotAuthenticated,
    StaleWrite,
    TooManyAttempts,
    WrongPassword,
)
from chalicelib.kernel.models import is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import (
    AccessClaims,
    RefreshToken,
    hash_password,
    issue_access_token,
    new_secret,
    read_access_token,
    sha256_hex,
    verify_password,
)

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

FREE_FAILURES = 5  # failed sign-ins before the delay starts
FIRST_DELAY, MAX_DELAY = 30, 900  # seconds; the delay doubles per failure up to 15 min


def lock_delay(failures: int) -> int | None:
    """Seconds an account stays locked after its ``failures``-th consecutive failure."""
    if failures < FREE_FAILURES:
        return None
    return int(min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY))


def login_key(c: Container, email: str) -> str:
    return f"{c.settings.account_namespace}#{email}"


def new_session(c: Container, customer_id: str, epoch: int) -> tuple[Session, RefreshToken]:
    now = int(c.clock.now())
    refresh = RefreshToken(f"ses_{secrets.token_hex(16)}", new_secret())
    expires = now + c.settings.REFRESH_TOKEN_DAYS * 86400
    session = Session(
        refresh.session_id,
        customer_id=customer_id,
        refresh_hash=sha256_hex(refresh.secret),
        epoch=epoch,
        created_at=now,
        expires_at=expires,
        expiry_bucket=expiry_bucket(expires),
    )
    return session, refresh


def token_pair(c: Container, session: Session, refresh: RefreshToken) -> dict[str, Any]:
    claims = AccessClaims(session.customer_id, session.session_id, int(session.epoch), c.settings.WEBSITE_ID)
    minutes = c.settings.ACCESS_TOKEN_MINUTES
    access = issue_access_token(c.key("jwt"), claims, c.clock.now(), minutes)
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": minutes * 60,
        "refresh_token": str(refresh),
        "customer_id": session.customer_id,
    }


def _check_not_locked(login: Login, now: float) -> None:
    if login.locked_until and login.locked_until > now:
        raise TooManyAttempts(retry_after=max(1, math.ceil(login.locked_until - now)))


def check_password(c: Container, login: Login, password: str) -> None:
    """Verify ``password`` for ``login``, counting failures and locking per SPEC §4."""
    now = c.clock.now()
    _check_not_locked(login, now)
    if not verify_password(c.hasher, login.password_hash, password):
        failures = int(login.failed_signins or 0) + 1
        delay = lock_delay(failures)
        locked_until = int(now) + delay if delay else None
        event = activity.event(c, login.customer_id, "sign_in_failed", "customer", locked=bool(delay))
        account_store.record_failed_signin(
            login.login_key, login.customer_id, locked_until, activity.step(event)
        )
        metric("SignInFailures")
        raise InvalidCredentials()


def confirm_password(c: Container, customer: Customer, password: str) -> Login:
    """A signed-in customer's password, asked again before a sensitive change (throttled)."""
    login = account_store.get_login(customer.login_key)
    if login is None:
        raise StaleWrite()
    try:
        check_password(c, login, password)
    except InvalidCredentials as e:
        raise WrongPassword() from e
    return login


def sign_in(c: Container, data: SignInIn) -> dict[str, Any]:
    now = c.clock.now()
    login = account_store.get_login(login_key(c, data.email))
    if login is None or not is_live(login, now):
        verify_password(c.hasher, None, data.password)  # same work as for a real account
        metric("SignInFailures")
        raise InvalidCredentials()
    check_password(c, login, data.password)
    if login.status == "pending":
        raise EmailNotVerified()
    if login.status != "active":
        raise AccountDisabled()
    session, refresh = new_session(c, login.customer_id, int(login.session_epoch))
    rehash = (
        hash_password(c.hasher, data.password)
        if c.hasher.check_needs_rehash(login.password_hash or "")
        else None
    )
    steps = [activity.step(activity.event(c, login.customer_id, "sign_in", "customer"))]
    if rehash or login.failed_signins or login.locked_until:
        steps.append(account_store.login_reset_step(login, rehash))
    store.start(session, *steps)
    metric("SignIns")
    return token_pair(c, session, refresh)


def refresh(c: Container, data: RefreshIn) -> dict[str, Any]:
    presented = RefreshToken.parse(data.refresh_token)
    now = int(c.clock.now())
    new = RefreshToken(presented.session_id, new_secret())
    session = store.rotate(presented.session_id, sha256_hex(presented.secret), sha256_hex(new.secret), now)
    if session is None:
        _end_if_reused(presented)
        raise NotAuthenticated("The refresh token is not valid.")
    customer = account_store.get_customer(session.customer_id)
    if customer is None or customer.status != "active" or customer.session_epoch != session.epoch:
        store.end(session.session_id, session.customer_id)
        raise NotAuthenticated("The session has ended; sign in again.")
    metric("Refreshes")
    return token_pair(c, session, new)


def _end_if_reused(presented: RefreshToken) -> None:
    """A refresh token that was already rotated is being replayed: end that session."""
    session = store.get(presented.session_id)
    if session is not None and session.previous_refresh_hash == sha256_hex(presented.secret):
        store.end(session.session_id, session.customer_id)
        metric("RefreshReuseDetected")


def sign_out(c: Container, claims: AccessClaims) -> None:
    store.end(claims.session_id, claims.customer_id)


def authenticate(c: Container, authorization: str | None) -> AccessClaims:
    """The claims of a ``Bearer`` access token; signature, audience and expiry checked."""
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) > 4096:
        raise NotAuthenticated()
    token = authorization[len("Bearer ") :].strip()
    return read_access_token(c.key("jwt"), token, c.settings.WEBSITE_ID, c.clock.now())


def current_customer(c: Container, claims: AccessClaims) -> Customer:
    """The signed-in customer, refusing tokens from before the latest epoch (one read)."""
    customer = account_store.get_customer(claims.customer_id)
    if (
        customer is None
        or customer.namespace != c.settings.account_namespace
        or customer.status != "active"
        or customer.session_epoch != claims.epoch
    ):
        raise NotAuthenticated("The session has ended; sign in again.")
    return customer
