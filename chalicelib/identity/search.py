"""Customer search keys: written in the same transaction as the customer, so a customer
created, edited or imported is findable at once (no index to rebuild, nothing lags).

Each key is one ``SearchEntry`` item in the customer's namespace: the normalised email,
each word of the name, the reference, the phone's digits (with and without the country
code, and with the national trunk 0) and each ERP account number. Normalised means
lower-cased with accents removed, so ``Élodie`` is found by ``elo``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pynamodb.expressions.update import Action

from chalicelib.identity.models import Customer, SearchEntry
from chalicelib.kernel.transactions import Step

LABEL = "search"
MAX_NAME_WORDS = 6
MIN_WORD = 2
#: characters of a key (and of a query word) compared: at most 800 bytes of UTF-8, so
#: ``"<key> <customer id>"`` stays within DynamoDB's 1,024-byte sort key even when
#: normalising expanded the text (NFKD turns some characters into many)
MAX_KEY = 200
SEPARATOR = " "  # no normalised key holds a space: "<key> <customer id>"
PHONE_TEXT = re.compile(r"^[0-9+()./ \-]+$")
WORD_BREAKS = re.compile("[\\s\\-'\u2019.,]+")
#: E.164 country codes are a prefix code: 1 and 7 have one digit, these two, the rest three
TWO_DIGIT_CODES = frozenset(
    {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46"}
    | {"47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63"}
    | {"64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"}
)


def normalised(text: str) -> str:
    """Lower case, accents removed, no spaces at the ends."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def is_phone_like(text: str) -> bool:
    return bool(PHONE_TEXT.match(text)) and any(ch.isdigit() for ch in text)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_terms(phone: str) -> set[str]:
    """The digits as typed, and for an international number the national number and its
    trunk-0 form: "+33 6 12 34 56 78" is found by 336..., 612... and 0612..."""
    found = digits(phone)
    if not found:
        return set()
    terms = {found}
    international = phone.strip().startswith("+") or found.startswith("00")
    if international:
        number = found[2:] if found.startswith("00") else found
        code = 1 if number[:1] in ("1", "7") else 2 if number[:2] in TWO_DIGIT_CODES else 3
        national = number[code:]
        terms |= {number, national, "0" + national} if national else {number}
    elif found.startswith("0") and len(found) > 1:
        terms.add(found.lstrip("0"))
    return {t for t in terms if t}


def name_words(name: str) -> set[str]:
    words = [w for w in WORD_BREAKS.split(normalised(name)) if len(w) >= MIN_WORD]
    return set(words[:MAX_NAME_WORDS])


def keys_of(customer: Customer) -> dict[str, str]:
    """Every search key of ``customer``: normalised key -> kind."""
    keys: dict[str, str] = {}
    for account in sorted(customer.erp_accounts or ()):
        keys[normalised(account)] = "erp"
    for term in phone_terms(customer.phone or ""):
        keys.setdefault(term, "phone")
    for word in name_words(customer.name or ""):
        keys.setdefault(word, "name")
    if customer.reference:
        keys[normalised(customer.reference)] = "reference"
    if customer.email:
        keys[normalised(customer.email)] = "email"
    return {k[:MAX_KEY]: v for k, v in keys.items() if k and SEPARATOR not in k}


def entry(customer: Customer, key: str, kind: str) -> SearchEntry:
    return SearchEntry(
        customer.namespace,
        f"{key}{SEPARATOR}{customer.customer_id}",
        customer_id=customer.customer_id,
        kind=kind,
        created_at=customer.created_at,
    )


def _save(item: SearchEntry) -> Step:
    return lambda tx: tx.save(item)


def _delete(item: SearchEntry) -> Step:
    return lambda tx: tx.delete(item)


def index_steps(before: Customer | None, after: Customer) -> list[tuple[str, Step]]:
    """The writes that move ``before``'s search keys to ``after``'s (``None``: a new
    customer): one more item of the caller's transaction per key added or removed."""
    old = keys_of(before) if before is not None else {}
    new = keys_of(after)
    steps: list[tuple[str, Step]] = []
    for key in sorted(old.keys() - new.keys()):
        steps.append((LABEL, _delete(SearchEntry(after.namespace, f"{key}{SEPARATOR}{after.customer_id}"))))
    for key in sorted(new.keys() - old.keys()):
        steps.append((LABEL, _save(entry(after, key, new[key]))))
    return steps


def removal_steps(customer: Customer) -> list[tuple[str, Step]]:
    """Delete every search key of ``customer`` (GDPR erasure, cleanup): one step per key.
    Erasure also removes ``customer.erp_accounts``, or pass the customer as it was."""
    steps: list[tuple[str, Step]] = []
    for key in sorted(keys_of(customer)):
        gone = SearchEntry(customer.namespace, f"{key}{SEPARATOR}{customer.customer_id}")
        steps.append((LABEL, _delete(gone)))
    return steps


def erp_account_changes(
    customer: Customer, added: Iterable[str] = (), removed: Iterable[str] = ()
) -> tuple[list[Action], list[tuple[str, Step]]]:
    """For the ERP link: the actions on the customer's ``erp_accounts`` and the search-key
    writes, both to go in the caller's one transaction (its update of ``customer``)."""
    added, removed = set(added), set(removed)
    current = set(customer.erp_accounts or ())
    after = (current | added) - removed
    actions: list[Action] = []
    if added - current:
        actions.append(Customer.erp_accounts.add(added - current))
    if removed & current:
        actions.append(Customer.erp_accounts.delete(removed & current))
    return actions, index_steps(customer, changed(customer, erp_accounts=after or None))


def changed(customer: Customer, **values: object) -> Customer:
    """A copy of ``customer`` with ``values`` (what it will be once a change commits)."""
    return Customer(**{**customer.attribute_values, **values})


def query_words(q: str) -> list[str]:
    """A search box's text as keys to match by prefix: the digits of a phone-like text,
    else each normalised word (an email or a reference is one word)."""
    if is_phone_like(q):
        return [digits(q)[:MAX_KEY]]
    return [w[:MAX_KEY] for w in normalised(q).split() if w]
