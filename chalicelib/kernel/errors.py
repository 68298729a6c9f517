"""Domain errors and the one table that maps them to HTTP answers.

Services raise these; the store raises them from DynamoDB failures; the HTTP
middleware in ``chalicelib.api.middleware`` turns them into
``{"error": {"code", "message"}}`` through :data:`HTTP_STATUS`. Nothing else
decides a status code.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is the stable snake_case code callers see."""

    code = "error"
    message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.retry_after = retry_after


class SettingsError(DomainError):
    code = "misconfigured"
    message = "The service is misconfigured."


class BadRequest(DomainError):
    code = "bad_request"
    message = "The request is not valid."


class MalformedJson(BadRequest):
    code = "malformed_json"
    message = "The request body is not valid JSON."


class ValidationFailed(BadRequest):
    code = "validation_failed"
    message = "Some fields are not valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        problems: list[tuple[str, str, dict[str, object]]] | None = None,
    ) -> None:
        super().__init__(message)
        self.fields = fields or {}
        #: (field, message id, values) of each problem: the HTTP boundary words them in the
        #: caller's language (``kernel.i18n.describe``); without them ``message`` stands
        self.problems = problems or []


class UnsupportedMediaType(BadRequest):
    code = "unsupported_media_type"
    message = "Send JSON with Content-Type: application/json."


class PayloadTooLarge(BadRequest):
    code = "payload_too_large"
    message = "The request body is too large."


class WeakPassword(ValidationFailed):
    code = "weak_password"


class InvalidToken(DomainError):
    code = "invalid_token"
    message = "This link is invalid, has expired or was already used."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    message = "The email or password is not correct."


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    message = "Sign in first: a valid access token is required."


class StorefrontKeyRequired(DomainError):
    code = "storefront_key_required"
    message = "Only a storefront's server may call this: send its key in X-Storefront-Key."


class InvalidStorefrontKey(DomainError):
    code = "invalid_storefront_key"
    message = "The X-Storefront-Key is not a live storefront key of this service."


class EmailNotVerified(DomainError):
    code = "email_not_verified"
    message = "Confirm your email address first: follow the link we emailed you."


class AccountDisabled(DomainError):
    code = "account_disabled"
    message = "This account cannot sign in."


class InvalidCode(DomainError):
    code = "invalid_code"
    message = "This code is not valid, has expired or was already used; ask for a new one."


class WrongDevice(DomainError):
    code = "wrong_device"
    message = "Open this link in the browser where you asked for it, or type the code from the email."


class SigninMethodDisabled(DomainError):
    code = "signin_method_disabled"
    message = "This website does not offer this way of signing in (see GET /website)."


class SignupClosed(DomainError):
    code = "signup_closed"
    message = "Sign-up on this website is by invitation only."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    message = "Too many failed attempts; try again later."


class TooManyRequests(DomainError):
    """A source (IP address) spent its budget on a route group; ``retry_after`` says when to retry."""

    code = "too_many_requests"
    message = "Too many requests from this address; retry later."


class NotFound(DomainError):
    code = "not_found"
    message = "Not found."


class StaleWrite(DomainError):
    code = "conflict"
    message = "The record changed meanwhile; read it again and retry."


class AccountRequired(DomainError):
    code = "account_required"
    message = "This website requires an account to check out."


class AccountCreationDisabled(DomainError):
    code = "account_creation_disabled"
    message = "This website does not create accounts at checkout."


class AddressInUse(DomainError):
    code = "address_in_use"
    message = "An account already uses this address: sign in, or reset its password."


class B2BOnly(DomainError):
    code = "b2b_only"
    message = "Shopping lists and saved carts are for business websites."


class LimitReached(DomainError):
    code = "limit_reached"
    message = "This list is full."


class CardDataRefused(DomainError):
    code = "card_data_refused"
    message = "Card numbers are never stored: send the payment provider's token reference only."


class InvalidState(DomainError):
    code = "invalid_state"
    message = "The record is not in a state that allows this."


class WrongPassword(DomainError):
    code = "wrong_password"
    message = "The current password is not correct."


class IdempotencyConflict(DomainError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different request."


class InvalidWebhookUrl(ValidationFailed):
    code = "invalid_webhook_url"
    message = "This URL cannot receive webhooks."


class SyncNotOpen(DomainError):
    code = "sync_not_open"
    message = "This ERP sync is not open (finished, replaced by a newer one, or unknown)."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    message = "The service is busy; retry shortly."

    def __init__(self, message: str | None = None, *, retry_after: int = 2) -> None:
        super().__init__(message, retry_after=retry_after)


# -- companies ----------------------------------------------------------------------------


class CompanyRoleRequired(DomainError):
    code = "company_role_required"
    message = "Your role in this company does not allow this."


class AlreadyMember(DomainError):
    code = "already_member"
    message = "You are already a member of this company."


class RequestPending(DomainError):
    code = "request_pending"
    message = "A request of yours for this company is already waiting for approval."


class DomainClaimed(DomainError):
    code = "domain_claimed"
    message = "Another company has claimed this email domain."


class InvalidJoinCode(DomainError):
    code = "invalid_join_code"
    message = "This join code is not valid."


class LastAdmin(DomainError):
    code = "last_admin"
    message = "A company keeps at least one admin: name another admin first."


class InsufficientScope(DomainError):
    code = "insufficient_scope"
    message = "This staff key does not carry the scope this route needs."


#: The one table from domain error to HTTP status. Subclasses inherit their
#: parent's status unless listed; the lookup walks the class's MRO.
HTTP_STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    ValidationFailed: 422,
    InvalidToken: 400,
    InvalidCredentials: 401,
    NotAuthenticated: 401,
    StorefrontKeyRequired: 401,
    InvalidStorefrontKey: 401,
    EmailNotVerified: 403,
    AccountDisabled: 403,
    SignupClosed: 403,
    InvalidCode: 401,
    WrongDevice: 401,
    SigninMethodDisabled: 403,
    AccountRequired: 403,
    AccountCreationDisabled: 403,
    NotFound: 404,
    StaleWrite: 409,
    InvalidState: 409,
    B2BOnly: 403,
    LimitReached: 409,
    CardDataRefused: 422,
    AddressInUse: 409,
    WrongPassword: 403,
    InsufficientScope: 403,
    IdempotencyConflict: 409,
    CompanyRoleRequired: 403,
    AlreadyMember: 409,
    RequestPending: 409,
    DomainClaimed: 409,
    InvalidJoinCode: 400,
    LastAdmin: 409,
    SyncNotOpen: 409,
    TooManyAttempts: 429,
    TooManyRequests: 429,
    SettingsError: 500,
    ServiceUnavailable: 503,
    InvalidWebhookUrl: 422,
    DomainError: 400,
}


def http_status(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500
