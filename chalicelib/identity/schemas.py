"""Request bodies of sign-up, sign-in, sessions and passwords."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from chalicelib.kernel.schemas import Body, Email, Locale, Name, Password, Secret


class SignupIn(Body):
    email: Email
    password: Password
    name: Name
    locale: Locale | None = None
    newsletter: StrictBool = False


class TokenIn(Body):
    token: Secret


class SignInIn(Body):
    email: Email
    password: Password


class RefreshIn(Body):
    refresh_token: Secret


class ForgotIn(Body):
    email: Email


class ResetIn(Body):
    token: Secret
    password: Password


class ChangePasswordIn(Body):
    current_password: Password
    new_password: Password


class HandoffIn(Body):
    code: Secret


class StatusIn(Body):
    status: Literal["active", "inactive", "blocked"]
