"""Customer references: ``{REFERENCE_PREFIX}-{n}``, short, unique and not guessable.

n is advanced by a random step of 1..``REFERENCE_STEP_MAX`` through one atomic ``ADD`` on a
counter item (the Spryker sequence, without its row lock): DynamoDB applies each update
alone, so concurrent creations never share a number, and a reference tells little about
its neighbours or how many customers there are. A number drawn for a creation that then
fails is simply skipped. With a prefix of at most 4 characters and n of at most 9 digits a
reference holds at most 14 characters.

A container takes its numbers in blocks: one ``ADD`` of the sum of k random steps reserves
k numbers, handed out in order. Blocks grow 1, 2, 4 … ``BLOCK_MAX`` while the container
keeps creating customers, so a cold container that creates one customer reserves one
number (nothing is lost when it ends), and a warm one writes the counter once every
``BLOCK_MAX`` creations. An import asks for a group's numbers at once (``take(c, n)``).
At most ``BLOCK_MAX - 1`` reserved numbers are skipped when a container ends.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from typing import TYPE_CHECKING

from chalicelib.identity.models import SearchEntry
from chalicelib.kernel.dynamo import translated
from chalicelib.kernel.errors import SettingsError

if TYPE_CHECKING:
    from chalicelib.kernel.bootstrap import Container

COUNTER_SCOPE = "counter#reference"
MAX_NUMBER = 999_999_999
BLOCK_MAX = 16


class Block:
    """The container's reserved numbers of one prefix."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.numbers: deque[int] = deque()
        self.size = 1  # the next block's size

    def take(self, prefix: str, step_max: int, n: int) -> list[int]:
        with self.lock:
            if len(self.numbers) < n:
                size = max(n - len(self.numbers), self.size)
                steps = [secrets.randbelow(step_max) + 1 for _ in range(size)]
                number = _advance(prefix, sum(steps)) - sum(steps)
                for step in steps:
                    number += step
                    self.numbers.append(number)
                self.size = min(self.size * 2, BLOCK_MAX)
            return [self.numbers.popleft() for _ in range(n)]


def take(c: Container, n: int) -> list[str]:
    """``n`` new references, at most one counter ``UpdateItem``."""
    s = c.settings
    name = f"references:{s.REFERENCE_PREFIX}"
    block = c.state.get(name) or c.state.setdefault(name, Block())  # one Block per container
    numbers = block.take(s.REFERENCE_PREFIX, s.REFERENCE_STEP_MAX, n)
    if numbers and numbers[-1] > MAX_NUMBER:
        raise SettingsError(f"The references of prefix {s.REFERENCE_PREFIX} are used up: choose another.")
    return [f"{s.REFERENCE_PREFIX}-{number}" for number in numbers]


def next_reference(c: Container) -> str:
    """One new reference (a counter ``UpdateItem`` only when the container's block is spent)."""
    return take(c, 1)[0]


@translated
def _advance(prefix: str, step: int) -> int:
    """One ``UpdateItem``: ``ADD value :step``, returning the new value."""
    counter = SearchEntry(COUNTER_SCOPE, prefix)
    counter.update(actions=[SearchEntry.value.add(step)])
    return int(counter.value)
