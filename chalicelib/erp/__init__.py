"""ERP instant accounts: the ERP's trade contacts (bulk upsert, full sync) and the link a
proven email earns its account (``linking``, registered with ``identity.links``)."""

from chalicelib.erp import linking as linking  # registers the proof links
from chalicelib.erp import privacy as privacy  # registers the ERP part of GDPR erasure
from chalicelib.erp.linking import ACTOR, register_memberships
from chalicelib.erp.models import ErpContact
from chalicelib.erp.privacy import erasure_steps

__all__ = ["ACTOR", "ErpContact", "erasure_steps", "linking", "privacy", "register_memberships"]
