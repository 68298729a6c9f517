"""Checkout: guests and CHECKOUT_MODE, the account at checkout, register later, merges of a
guest into an account, the documents feed from the order system, shop access."""

from chalicelib.checkout import privacy as privacy  # registers its GDPR part
from chalicelib.checkout.models import Document

__all__ = ["Document"]
