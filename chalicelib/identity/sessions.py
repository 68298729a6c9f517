"""Sign-in, refresh, sign-out, and reading the signed-in customer.

Access tokens are short JWTs carrying their session and the customer's session epoch.
Every customer route reads the session with the customer (one ``TransactGetItems``) and
refuses a token whose session ended or whose epoch is older than the customer's, so
sign-out ends one session and a password reset, change or status change every session,
at once. Refresh tokens rotate on every use; presenting an already-rotated one ends the
session.

Password attempts are reserved before argon2 runs (``attempt_store``), so concurrent
attempts get no more checks than sequential ones before the lock.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.identity import activity, legacy_hashes, links
from chalicelib.identity import attempt_store as attempts
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
    SigninMethodDisabled,
    TooManyAttempts,
    WrongPassword,
)
from chalicelib.kernel.models import is_live
from chalicelib.kernel.observability import metric
from chalicelib.kernel.security import (
    AccessClaims,
    Acting,
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
#: how long a reserved attempt past the free ones holds the account if it never settles
ATTEMPT_LEASE = FIRST_DELAY


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


#: who answers, at a refresh, which company a session still acts for (the companies
#: feature registers it: identity cannot import it); None while no feature registered
ActingSource = Callable[["Container", Session], "Acting | None"]
_acting_source: list[ActingSource] = []


def acting_source(source: ActingSource) -> ActingSource:
    """Register the feature that re-checks a session's company at every refresh."""
    _acting_source[:] = [source]
    return source


def session_acting(session: Session) -> Acting | None:
    if not session.company_id:
        return None
    return Acting(session.company_id, session.company_role or "viewer", session.company_status or "blocked")


def access_token(c: Container, session: Session) -> dict[str, Any]:
    """A new access token for ``session``, carrying the company it acts for (if any)."""
    acting = session_acting(session)
    claims = AccessClaims(
        session.customer_id, session.session_id, int(session.epoch), c.settings.WEBSITE_ID, acting
    )
    minutes = c.settings.ACCESS_TOKEN_MINUTES
    access = issue_access_token(c.key("jwt"), claims, c.clock.now(), minutes)
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": minutes * 60,
        "customer_id": session.customer_id,
    }
    if acting is not None:
        body["company"] = acting.claim()
    return body


def token_pair(c: Container, session: Session, refresh: RefreshToken) -> dict[str, Any]:
    return {**access_token(c, session), "refresh_token": str(refresh)}


def act_for(c: Container, claims: AccessClaims, acting: Acting | None) -> dict[str, Any]:
    """Switch the session to act for a company (or for the customer alone): a new access
    token; the refresh token stays. The caller has checked the membership."""
    session = store.set_acting(claims.session_id, claims.customer_id, acting)
    if session is None:
        raise NotAuthenticated("The session has ended; sign in again.")
    return access_token(c, session)


def locked_for(login: Login, now: float) -> int | None:
    """Seconds until ``login`` takes another attempt, or None if it takes one now."""
    if int(login.failed_signins or 0) < FREE_FAILURES or not login.locked_until or login.locked_until <= now:
        return None
    return max(1, math.ceil(login.locked_until - now))


def check_password(
    c: Container, key: str, password: str, *, clear: bool = True, record: bool = False
) -> Login:
    """The login at ``key`` if ``password`` is its password, counting the attempt first.

    One conditional write reserves the attempt (refused while locked: ``TooManyAttempts``),
    then argon2 runs. An unknown address makes the same call and the same argon2 work and
    gets the same ``InvalidCredentials``. The failure that uses up the free attempts locks
    the account (``lock_delay``); a right password clears the count, here unless ``clear``
    is False (the caller clears it in its own transaction). ``record`` writes every
    failure to the activity (signed-in callers; at sign-in only the locking one is).
    """
    now = c.clock.now()
    login, current = attempts.reserve(key, int(now), ATTEMPT_LEASE, FREE_FAILURES)
    if login is None:
        wait = locked_for(current, now) if current is not None and is_live(current, now) else None
        if wait:
            raise TooManyAttempts(retry_after=wait)
        verify_password(c.hasher, None, password)  # same work as for a real account
        raise InvalidCredentials()
    if not _matches(c, login.password_hash, password):
        delay = lock_delay(int(login.failed_signins))
        if delay or record:
            event = activity.event(c, login.customer_id, "sign_in_failed", "customer", locked=bool(delay))
            attempts.record_failure(login, int(now) + delay if delay else None, activity.step(event))
        raise InvalidCredentials()
    if clear:
        attempts.clear(login)
    return login


def _matches(c: Container, stored: str | None, password: str) -> bool:
    """An imported hash of another platform is checked by its own rules (once: sign-in then
    stores argon2id); the service's own, and an absent one, by argon2 as for unknown addresses."""
    if stored and legacy_hashes.is_legacy(stored):
        return legacy_hashes.verify(stored, password)
    return verify_password(c.hasher, stored, password)


def confirm_password(c: Container, customer: Customer, password: str, *, clear: bool = True) -> Login:
    """A signed-in customer's password, asked again before a sensitive change (throttled);
    ``clear=False`` when the change itself clears the count (a new password does)."""
    try:
        return check_password(c, customer.login_key, password, clear=clear, record=True)
    except InvalidCredentials as e:
        raise WrongPassword() from e


def sign_in(c: Container, data: SignInIn) -> dict[str, Any]:
    """One conditional write (the attempt) and, with the right password, one transaction."""
    if not c.settings.password_signin:
        raise SigninMethodDisabled()
    try:
        login = check_password(c, login_key(c, data.email), data.password, clear=False)
    except InvalidCredentials:
        metric("SignInFailures")
        raise
    if login.status != "active":
        attempts.clear(login)
        raise EmailNotVerified() if login.status == "pending" else AccountDisabled()
    session, refresh = new_session(c, login.customer_id, int(login.session_epoch))
    rehash = hash_password(c.hasher, data.password) if _needs_rehash(c, login.password_hash) else None
    failed = int(login.failed_signins) - 1  # the attempts before this one since the last success
    detail = {"failed_attempts": failed} if failed > 0 else {}
    event = activity.event(c, login.customer_id, "sign_in", "customer", **detail)
    linked = links.on_sign_in(c, login.customer_id, data.email)  # a verified account's proof
    now = int(c.clock.now())
    store.start(session, activity.step(event), attempts.clear_step(login, rehash, now), optional=linked)
    metric("SignIns")
    return token_pair(c, session, refresh)


def _needs_rehash(c: Container, stored: str | None) -> bool:
    """Another platform's hash (imported), or argon2id with parameters below the stage's."""
    return legacy_hashes.is_legacy(stored) or c.hasher.check_needs_rehash(stored or "")


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
    if session.company_id and _acting_source:  # the membership may have changed meanwhile
        acting = _acting_source[0](c, session)
        if acting != session_acting(session):
            session = store.set_acting(session.session_id, session.customer_id, acting) or session
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
    """The signed-in customer, if the token's session is open and its epoch current.

    One ``TransactGetItems`` reads the session and the customer: a signed-out session
    and an older epoch (reset, change, status change) are refused at once.
    """
    session, customer = store.with_customer(claims.session_id, claims.customer_id)
    if (
        session is None
        or session.customer_id != claims.customer_id
        or not is_live(session, c.clock.now())
        or customer is None
        or customer.namespace != c.settings.account_namespace
        or customer.status != "active"
        or customer.session_epoch != claims.epoch
    ):
        raise NotAuthenticated("The session has ended; sign in again.")
    return customer
