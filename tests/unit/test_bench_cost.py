"""The arithmetic of the bench's cost model: item sizes as DynamoDB counts them, Cognito's bands."""

from __future__ import annotations

from bench.cost.model import COGNITO_ESSENTIALS, COGNITO_LITE, cognito_month
from bench.harness.capacity import item_size, value_size


def test_item_sizes_count_names_and_values_as_dynamodb_does() -> None:
    assert value_size({"S": "héllo"}) == 6  # UTF-8 bytes
    assert value_size({"N": "12345"}) == 5
    assert value_size({"BOOL": True}) == 1
    assert value_size({"SS": ["ab", "c"]}) == 3
    assert value_size({"M": {"k": {"S": "v"}}}) == 3 + 1 + 1 + 1
    assert item_size({"pk": {"S": "cus_1"}, "n": {"N": "7"}}) == 2 + 5 + 1 + 1
    assert item_size(None) == 0


def test_cognito_is_priced_band_by_band_past_its_free_users() -> None:
    assert cognito_month(10_000, COGNITO_LITE) == 0
    assert cognito_month(20_000, COGNITO_LITE) == 10_000 * 0.0055
    assert round(cognito_month(200_000, COGNITO_LITE), 2) == round(90_000 * 0.0055 + 100_000 * 0.0046, 2)
    assert cognito_month(110_000, COGNITO_ESSENTIALS) == 100_000 * 0.015
