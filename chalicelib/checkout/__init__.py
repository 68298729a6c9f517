"""Checkout: guests and CHECKOUT_MODE, the account at checkout, register later, merges of a
guest into an account, the documents feed from the order system, shop access."""

from chalicelib.checkout import privacy as privacy  # registers its GDPR part
from chalicelib.checkout.documents import record as record_document
from chalicelib.checkout.guests import shop_access
from chalicelib.checkout.models import Document
from chalicelib.checkout.schemas import DocumentIn

__all__ = ["Document", "DocumentIn", "record_document", "shop_access"]
