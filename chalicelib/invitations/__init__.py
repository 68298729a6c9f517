"""Invitations: staff grant portal access (one customer or a bulk job worked at the SES
rate), resend and revoke; the customer accepts on a hosted page or the storefront."""

from chalicelib.invitations.grants import Grant, grant_new
from chalicelib.invitations.models import Invitation, InvitationJob

__all__ = ["Grant", "Invitation", "InvitationJob", "grant_new"]
