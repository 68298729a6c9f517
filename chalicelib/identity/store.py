"""Customers, logins (email claims) and link tokens: the writes that must happen together.

Every multi-item change is one ``TransactWriteItems`` (see ``transactions.run``);
a failed condition comes back as a domain error, never as a half-written state.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.identity.creation import creation_steps
from chalicelib.identity.models import Customer, Login
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.errors import InvalidToken, StaleWrite
from chalicelib.kernel.models import IdempotencyRecord, Token
from chalicelib.kernel.transactions import Cancelled, Step, run
from chalicelib.mail import AlreadyDone, OutboxMessage

CLEAR_EXPIRY = (Login.expires_at.remove(), Login.expiry_bucket.remove())


class EmailTaken(Exception):
    """The email already has a live claim in this namespace."""


class IdempotentReplay(Exception):
    """A create with this Idempotency-Key already happened."""


@translated
def get_customer(customer_id: str) -> Customer | None:
    try:
        return Customer.get(customer_id, consistent_read=True)
    except Customer.DoesNotExist:
        return None


@translated
def get_login(login_key: str) -> Login | None:
    try:
        return Login.get(login_key, consistent_read=True)
    except Login.DoesNotExist:
        return None


def idempotency_steps(record: IdempotencyRecord, now: int) -> list[tuple[str, Step]]:
    return _idempotency_step(record, now)


@translated
def run_create(steps: list[tuple[str, Step]], outbox: Sequence[OutboxMessage] = ()) -> None:
    """A create with labelled steps: ``IdempotentReplay``, ``EmailTaken`` or ``StaleWrite``."""
    _run_create(steps, outbox)


def _idempotency_step(record: IdempotencyRecord | None, now: int) -> list[tuple[str, Step]]:
    if record is None:
        return []
    condition = IdempotencyRecord.idempotency_key.does_not_exist() | (IdempotencyRecord.expires_at < now)
    return [("idempotency", lambda tx: tx.save(record, condition=condition))]


def _run_create(steps: list[tuple[str, Step]], outbox: Sequence[OutboxMessage]) -> None:
    try:
        run(steps, outbox)
    except Cancelled as e:
        if "task" in e.failed:  # a deferred task's earlier delivery did it
            raise AlreadyDone() from e
        if "idempotency" in e.failed:
            raise IdempotentReplay() from e
        if "login" in e.failed:
            raise EmailTaken() from e
        raise StaleWrite() from e


@translated
def create_signup(
    customer: Customer,
    login: Login,
    token: Token,
    outbox: Sequence[OutboxMessage],
    idempotency: IdempotencyRecord | None,
    now: int,
    extra: Sequence[tuple[str, Step]] = (),
) -> None:
    """The account, its email claim, its verify token and its email: one transaction (with
    ``extra``: the sign-up task's done mark). Past the address's budget of verify emails the
    sign-up is dropped whole."""
    steps: list[tuple[str, Step]] = [
        *creation_steps(customer),
        ("login", lambda tx: tx.save(login, condition=claim_free(now))),
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        *extra,
    ]
    _run_create(steps + _idempotency_step(idempotency, now), outbox)


@translated
def replace_pending_signup(
    customer: Customer,
    login_key: str,
    password_hash: str,
    token: Token,
    outbox: Sequence[OutboxMessage],
    idempotency: IdempotencyRecord | None,
    now: int,
    *extra: tuple[str, Step],
) -> None:
    """A new sign-up over an unverified one: new details and password, older links die.

    The token is bound to the customer's next version, so links sent before stop working.
    """
    steps: list[tuple[str, Step]] = [
        (
            "customer",
            lambda tx: tx.update(
                customer,
                actions=[
                    Customer.name.set(customer.name),
                    Customer.locale.set(customer.locale),
                    Customer.newsletter.set(customer.newsletter),
                    Customer.updated_at.set(now),
                ],
                condition=Customer.status == "pending",
            ),
        ),
        (
            "login",
            lambda tx: tx.update(
                Login(login_key),
                actions=[Login.password_hash.set(password_hash)],
                condition=(Login.customer_id == customer.customer_id) & (Login.status == "pending"),
            ),
        ),
        ("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())),
        *extra,
    ]
    _run_create(steps + _idempotency_step(idempotency, now), outbox)


@translated
def queue_emails(
    outbox: Sequence[OutboxMessage], idempotency: IdempotencyRecord | None, now: int, *extra: tuple[str, Step]
) -> None:
    _run_create([*extra, *_idempotency_step(idempotency, now)], outbox)


def consume_step(token: Token, now: int) -> Step:
    """Spend a single-use token, if it is still unused and unexpired."""
    condition = Token.used_at.does_not_exist() & (Token.expires_at > now)
    return lambda tx: tx.update(token, actions=[Token.used_at.set(now)], condition=condition)


def claim_free(now: int) -> Condition:
    """An email claim may be created where none is, or where an unverified one expired."""
    free: Condition = Login.login_key.does_not_exist() | (Login.expires_at < now)
    return free


@translated
def complete_verification(
    token: Token, now: int, link_actions: Sequence[Action] = (), link_steps: Sequence[tuple[str, Step]] = ()
) -> None:
    """Activate a verified sign-up; ``link_actions``/``link_steps``: what the proof links it
    to (``identity.links``), in the same transaction."""
    customer = Customer(token.customer_id, version=token.bound_version)
    activate: list[Action] = [
        Customer.status.set("active"),
        Customer.verified_at.set(now),
        Customer.updated_at.set(now),
        Customer.expires_at.remove(),
        Customer.expiry_bucket.remove(),
        *link_actions,
    ]
    steps: list[tuple[str, Step]] = [
        ("token", consume_step(token, now)),
        (
            "customer",
            lambda tx: tx.update(customer, actions=activate, condition=Customer.status == "pending"),
        ),
        (
            "login",
            lambda tx: tx.update(
                Login(token.login_key),
                actions=[Login.status.set("active"), *CLEAR_EXPIRY],
                condition=(Login.customer_id == token.customer_id) & (Login.status == "pending"),
            ),
        ),
        *link_steps,
    ]
    try:
        run(steps)
    except Cancelled as e:
        raise InvalidToken() from e


@translated
def issue_token(token: Token, outbox: Sequence[OutboxMessage], *extra: tuple[str, Step]) -> None:
    _run_create(
        [("token", lambda tx: tx.save(token, condition=Token.token_hash.does_not_exist())), *extra], outbox
    )


def credential_steps(
    customer: Customer, login_key: str, password_hash: str, now: int, *, status: str | None = None
) -> list[tuple[str, Step]]:
    """New password and a new session epoch on customer and login: every session ends."""
    epoch = int(customer.session_epoch) + 1
    customer_actions: list[Action] = [Customer.session_epoch.set(epoch), Customer.updated_at.set(now)]
    login_actions: list[Action] = [
        Login.password_hash.set(password_hash),
        Login.session_epoch.set(epoch),
        Login.failed_signins.set(0),
        Login.locked_until.remove(),
    ]
    if status:
        customer_actions += [Customer.status.set(status), Customer.expires_at.remove()]
        customer_actions += [Customer.expiry_bucket.remove()]
        if customer.status == "pending":  # the emailed link proved the mailbox
            customer_actions.append(Customer.verified_at.set(now))
        login_actions += [Login.status.set(status), *CLEAR_EXPIRY]
    return [
        ("customer", lambda tx: tx.update(customer, actions=customer_actions)),
        (
            "login",
            lambda tx: tx.update(
                Login(login_key),
                actions=login_actions,
                condition=Login.customer_id == customer.customer_id,
            ),
        ),
    ]


@translated
def reset_password(
    token: Token,
    customer: Customer,
    password_hash: str,
    outbox: Sequence[OutboxMessage],
    now: int,
    *extra: tuple[str, Step],
) -> None:
    steps = [("token", consume_step(token, now)), *extra]
    steps += credential_steps(customer, token.login_key, password_hash, now, status="active")
    try:
        run(steps, outbox)
    except Cancelled as e:
        raise (InvalidToken() if "token" in e.failed else StaleWrite()) from e


@translated
def change_credentials(
    customer: Customer,
    login_key: str,
    password_hash: str,
    extra: Sequence[tuple[str, Step]],
    outbox: Sequence[OutboxMessage],
    now: int,
) -> None:
    try:
        run([*credential_steps(customer, login_key, password_hash, now), *extra], outbox)
    except Cancelled as e:
        raise StaleWrite() from e


@translated
def set_status(customer: Customer, login_key: str, status: str, now: int, *extra: tuple[str, Step]) -> None:
    """Change the status on customer and login; a new epoch ends every session."""
    epoch = int(customer.session_epoch) + 1
    steps: list[tuple[str, Step]] = [
        (
            "customer",
            lambda tx: tx.update(
                customer,
                actions=[
                    Customer.status.set(status),
                    Customer.session_epoch.set(epoch),
                    Customer.updated_at.set(now),
                ],
            ),
        ),
        (
            "login",
            lambda tx: tx.update(
                Login(login_key),
                actions=[Login.status.set(status), Login.session_epoch.set(epoch)],
                condition=Login.customer_id == customer.customer_id,
            ),
        ),
        *extra,
    ]
    try:
        run(steps)
    except Cancelled as e:
        raise StaleWrite() from e
