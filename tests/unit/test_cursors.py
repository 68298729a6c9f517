"""Sealed cursors (kernel.cursors) without AWS: what decodes and what is refused."""

from __future__ import annotations

import pytest

from chalicelib.kernel.cursors import Seal, decode, encode
from chalicelib.kernel.errors import BadRequest

KEYS = frozenset({"customer_id", "at"})
START = {"customer_id": {"S": "cus_1"}, "at": {"S": "0000000000001#00"}}
ADA = Seal(b"k" * 32, "activity#cus_1")


def test_a_sealed_cursor_decodes_for_its_own_listing() -> None:
    cursor = encode(START, ADA)
    assert cursor is not None and decode(cursor, KEYS, ADA) == START
    assert encode(None, ADA) is None and decode(None, KEYS, ADA) is None


@pytest.mark.parametrize(
    "other",
    [Seal(b"k" * 32, "activity#cus_2"), Seal(b"x" * 32, "activity#cus_1")],
    ids=["another listing", "another stage key"],
)
def test_a_cursor_sealed_elsewhere_is_refused(other: Seal) -> None:
    with pytest.raises(BadRequest):
        decode(encode(START, other), KEYS, ADA)


@pytest.mark.parametrize("cursor", ["", "abc", "a.b.c", "eyJ9.", "x" * 3000, "é.é"])
def test_garbage_is_refused_or_absent(cursor: str) -> None:
    if not cursor:
        assert decode(cursor, KEYS, ADA) is None
        return
    with pytest.raises(BadRequest):
        decode(cursor, KEYS, ADA)


def test_another_spelling_of_the_same_cursor_is_refused() -> None:
    cursor = encode(START, ADA)
    assert cursor is not None
    with pytest.raises(BadRequest):
        decode(cursor + "=", KEYS, ADA)
