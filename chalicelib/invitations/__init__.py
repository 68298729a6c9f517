"""Invitations: staff grant portal access (one customer or a bulk job worked at the SES
rate), resend and revoke; the customer accepts on a hosted page or the storefront."""

from chalicelib.invitations import privacy as privacy  # registers its GDPR part
from chalicelib.invitations.grants import Grant, grant_existing, grant_new
from chalicelib.invitations.models import Invitation, InvitationJob
from chalicelib.invitations.queued import open_job, row_step

__all__ = ["Grant", "Invitation", "InvitationJob", "grant_existing", "grant_new", "open_job", "row_step"]
