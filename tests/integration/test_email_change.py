"""An email change to an address another account uses (issue 13, point 2): that address's
owner gets no confirmation link and nothing the requester wrote, the requester gets the same
answer through the same calls as for a free address, and a page never says "try again" for
a change that cannot happen."""

from __future__ import annotations

import pytest

from tests.aws_hooks import Hooks
from tests.integration.conftest import Api, last_mail, mails_to, token_from
from tests.integration.test_portal import Me
from tests.support import STRONG_PASSWORD

SCAM = "URGENT verify at evil.example"
NOTICE = "Your email address was entered for another account"


@pytest.fixture
def ada(api: Api) -> Me:
    me = Me(api, "ada@example.com")
    assert me("PATCH", "/me", {"name": SCAM}).status_code == 200  # text the requester chose
    return me


def change(me: Me, new_email: str) -> object:
    return me("POST", "/me/email", {"new_email": new_email, "password": STRONG_PASSWORD})


def test_the_owner_of_a_taken_address_gets_a_neutral_notice_without_a_link(api: Api, ada: Me) -> None:
    Me(api, "bob@example.com")
    answer = change(ada, "bob@example.com")
    assert answer.status_code == 202  # type: ignore[attr-defined]
    mail = last_mail("bob@example.com")
    assert mail.subject == NOTICE
    assert not [link for link in mail.links if "token=" in link]
    assert "/email/confirm" not in mail.text + mail.html
    assert SCAM not in mail.subject + mail.text + mail.html
    assert "Confirm your new email address" not in [m.subject for m in mails_to("bob@example.com")]
    assert api.sign_in("ada@example.com").status_code == 200  # nothing changed
    assert api.sign_in("bob@example.com").status_code == 200


def test_the_requester_cannot_tell_a_taken_address_from_a_free_one(
    api: Api, ada: Me, aws_hooks: Hooks
) -> None:
    Me(api, "bob@example.com")
    aws_hooks.calls.clear()
    taken = change(ada, "bob@example.com")
    taken_calls = aws_hooks.operations()
    aws_hooks.calls.clear()
    free = change(ada, "nobody@example.com")
    free_calls = aws_hooks.operations()
    assert (taken.status_code, taken.json_body) == (free.status_code, free.json_body)  # type: ignore[attr-defined]
    assert taken_calls == free_calls and "GetItem" in taken_calls
    notices = [m.subject for m in mails_to("ada@example.com")]
    assert notices.count("A change of email address was requested") == 2


def test_an_address_taken_after_the_link_was_sent_is_explained_plainly(api: Api, ada: Me) -> None:
    change(ada, "new@example.com")
    token = token_from(last_mail("new@example.com").link("/email/confirm"))
    Me(api, "new@example.com")  # someone else takes the address meanwhile

    page = api.client.http.get(f"/email/confirm?token={token}")
    html = page.body.decode()
    assert page.status_code == 409 and "This address is already in use" in html
    assert "Something went wrong" not in html and "new@example.com from now on" not in html

    form = api.client.http.post(
        "/email/confirm",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"token={token}&lang=fr",
    )
    assert form.status_code == 409 and "Cette adresse est déjà utilisée" in form.body.decode()

    answer = api.call("POST", "/email/confirm", {"token": token})
    error = answer.json_body["error"]
    assert answer.status_code == 409 and error["code"] == "address_in_use"
    assert "keeps its current address" in error["message"]
    assert api.sign_in("ada@example.com").status_code == 200
