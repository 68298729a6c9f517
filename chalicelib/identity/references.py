"""Customer references: ``{REFERENCE_PREFIX}-{n}``, short, unique and not guessable.

n is advanced by a random step of 1..``REFERENCE_STEP_MAX`` through one atomic ``ADD`` on a
counter item (the Spryker sequence, without its row lock): DynamoDB applies each update
alone, so concurrent creations never share a number, and a reference tells little about
its neighbours or how many customers there are. A number drawn for a creation that then
fails is simply skipped. With a prefix of at most 4 characters and n of at most 9 digits a
reference holds at most 14 characters.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from chalicelib.identity.models import SearchEntry
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.errors import SettingsError

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

COUNTER_SCOPE = "counter#reference"
MAX_NUMBER = 999_999_999


def next_reference(c: Container) -> str:
    s = c.settings
    number = _advance(s.REFERENCE_PREFIX, secrets.randbelow(s.REFERENCE_STEP_MAX) + 1)
    if number > MAX_NUMBER:
        raise SettingsError(f"The references of prefix {s.REFERENCE_PREFIX} are used up: choose another.")
    return f"{s.REFERENCE_PREFIX}-{number}"


@translated
def _advance(prefix: str, step: int) -> int:
    """One ``UpdateItem``: ``ADD value :step``, returning the new value."""
    counter = SearchEntry(COUNTER_SCOPE, prefix)
    counter.update(actions=[SearchEntry.value.add(step)])
    return int(counter.value)
