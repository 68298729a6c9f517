from tests.integration.conftest import Api, last_mail


def test_signup_verify_signin_me(api: Api) -> None:
    pair = api.verified_account("ada@example.com")
    me = api.call("GET", "/me", token=pair["access_token"])
    assert me.status_code == 200, me.body
    assert me.json_body["email"] == "ada@example.com"
    assert last_mail("ada@example.com").subject
