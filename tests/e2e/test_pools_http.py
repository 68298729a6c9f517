"""Two websites on one pool over real HTTP: ``make run`` twice (``LOCAL_STAGE=local-brand-a``,
then ``LOCAL_STAGE=local-brand-b`` on another port, same moto), and a website outside it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import _serve
from tests.e2e.helpers import Api, LocalService, Mailbox, new_address, token_from

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def websites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalService, ...]]:
    log = tmp_path_factory.mktemp("pool") / "run_local.log"
    first = _serve(log, stage="local-brand-a")
    brand_a = next(first)
    aws_port = urlsplit(brand_a.aws_url).port
    second = _serve(log, stage="local-brand-b", aws_port=aws_port)
    third = _serve(log, stage="local", aws_port=aws_port)  # its own accounts, same moto
    brand_b, solo = next(second), next(third)
    yield brand_a, brand_b, solo
    for service in (third, second, first):  # the first one holds moto: it stops last
        next(service, None)


def _apis(websites: tuple[LocalService, ...]) -> tuple[Api, ...]:
    mailbox = Mailbox(websites[0].aws_url)
    return tuple(Api(service, mailbox) for service in websites)


def test_sign_up_on_website_a_sign_in_on_website_b(websites: tuple[LocalService, ...]) -> None:
    brand_a, brand_b, _ = _apis(websites)
    assert brand_a.call("GET", "/website").json()["account_pool"] == "local-brands"
    email = new_address("pool")
    pair = brand_a.verified_account(email)
    assert brand_a.mailbox.wait(email).link("/verify").startswith(websites[0].api_url)
    on_b = brand_b.sign_in(email)
    assert on_b.status_code == 200, on_b.text
    assert on_b.json()["customer_id"] == pair["customer_id"]
    me = brand_b.call("GET", "/me", token=on_b.json()["access_token"])
    assert me.status_code == 200 and me.json()["email"] == email
    # emails come from the website asked: a reset asked on B links to B
    assert brand_b.call("POST", "/password/forgot", {"email": email}).status_code == 202
    reset = brand_b.mailbox.wait(email, count=2)
    assert reset.link("/password/reset").startswith(websites[1].api_url)


def test_the_same_email_signs_up_separately_outside_the_pool(websites: tuple[LocalService, ...]) -> None:
    brand_a, _, solo = _apis(websites)
    email = new_address("apart")
    pooled = brand_a.verified_account(email)
    assert solo.signup(email).status_code == 202  # a second, separate sign-up: its own link
    link = solo.mailbox.wait(email, "Confirm your email address", count=2).link("/verify?token=")
    assert link.startswith(websites[2].api_url)
    assert solo.call("POST", "/signup/verify", {"token": token_from(link)}).status_code == 200
    alone = solo.sign_in(email)
    assert alone.status_code == 200 and alone.json()["customer_id"] != pooled["customer_id"]
