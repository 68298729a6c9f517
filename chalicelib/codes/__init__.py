"""Sign-in by emailed one-time code (and a same-device link): ask, then verify.

The feature's public surface: the HTTP layer asks for codes and verifies them through the
names below, never through its store or models.
"""

from chalicelib.codes import ask as ask  # registers the sign_in_code task
from chalicelib.codes import privacy as privacy  # registers its part of GDPR erasure
from chalicelib.codes.ask import CODE_ACCEPTED, request_code, require_codes
from chalicelib.codes.models import SignInCode
from chalicelib.codes.schemas import CodeRequestIn, CodeVerifyIn
from chalicelib.codes.verify import verify

__all__ = [
    "CODE_ACCEPTED",
    "CodeRequestIn",
    "CodeVerifyIn",
    "SignInCode",
    "request_code",
    "require_codes",
    "verify",
]
