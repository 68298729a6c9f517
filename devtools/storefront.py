"""The local storefront that ``make run`` serves under ``/storefront``: where the redirects land.

A shop in miniature, to click through every email flow in a browser without writing code.
It does what a storefront's server does (``docs/STOREFRONT.md``) and no more: it calls the
API over HTTP, keeps the customer's tokens in an HttpOnly cookie, takes the hand-off code
the invitation page posts and exchanges it with its storefront key (never in the browser),
shows each ``account_event``, and lists the emails moto received with their links.

Served by ``devtools.chalice_local`` in the ``chalice local`` process (same origin as the
API: on AWS a storefront lives on its own domain and calls the API from its server).
Environment: ``LOCAL_API_URL``, ``LOCAL_AWS_URL``, ``LOCAL_STOREFRONT_KEY``.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

PREFIX = "/storefront"
COOKIE = "shop_session"
Answer = tuple[int, dict[str, str], bytes]

#: what each ``account_event`` tells the customer (docs/STOREFRONT.md lists them)
EVENTS = {
    "email_verified": "Your email address is confirmed. You can sign in.",
    "password_reset": "Your password was changed. Sign in with the new one.",
    "merge_confirmed": "Your guest order is now in your account.",
    "email_changed": "Your account now uses your new email address.",
    "invitation_accepted": "Your account is ready: you are signed in.",
}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local servers only


def serves(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """The API's status and JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        os.environ["LOCAL_API_URL"] + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with _OPENER.open(request, timeout=30) as answer:
            raw = answer.read()
            return int(answer.status), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw.startswith(b"{") else None


def _storefront_key() -> dict[str, str]:
    return {"X-Storefront-Key": os.environ.get("LOCAL_STOREFRONT_KEY", "")}


def _error(answer: Any) -> str:
    error = (answer or {}).get("error", {})
    return f"{error.get('message', 'The service did not answer.')} ({error.get('code', '?')})"


def page(title: str, body: str, status: int = 200, cookie: str | None = None) -> Answer:
    nav = " · ".join(
        f'<a href="{PREFIX}{href}">{label}</a>'
        for href, label in (
            ("/", "Shop"),
            ("/account/sign-up", "Sign up"),
            ("/account/sign-in", "Sign in"),
            ("/account", "My account"),
            ("/checkout", "Guest checkout"),
            ("/mail", "Emails sent"),
        )
    )
    text = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}}
nav{{margin-bottom:1rem}} .event{{background:#e8f5e9;padding:.6rem}}
.error{{background:#fdecea;padding:.6rem}}
label{{display:block;margin:.4rem 0}} input{{font:inherit;width:100%;max-width:22rem}}
pre{{white-space:pre-wrap;background:#f5f5f5;padding:.5rem}}</style></head>
<body><nav>Local storefront: {nav}</nav><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return status, headers, text.encode()


def redirect(to: str, cookie: str | None = None) -> Answer:
    headers = {"Location": PREFIX + to, "Cache-Control": "no-store"}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return 303, headers, b""


def _session_cookie(pair: dict[str, Any] | None) -> str:
    value = "" if pair is None else f"{pair['access_token']}|{pair['refresh_token']}"
    age = 30 * 86400 if pair else 0
    return f"{COOKIE}={value}; Path={PREFIX}; HttpOnly; SameSite=Lax; Max-Age={age}"


def _form(fields: list[tuple[str, str, str]], button: str, action: str) -> str:
    inputs = "".join(
        f'<label>{label}<input name="{name}" id="{name}" type="{kind}" required></label>'
        for name, label, kind in fields
    )
    submit = f'<button id="submit">{button}</button>'
    return f'<form method="post" action="{PREFIX}{action}">{inputs}{submit}</form>'


def told(query: dict[str, str]) -> str:
    """The ``account_event`` the pages redirected with, in words (and its value)."""
    event = query.get("account_event", "")
    if not event:
        return ""
    words = html.escape(EVENTS.get(event, "Something happened to your account."))
    return f'<p class="event" id="event">{words} <code>{html.escape(event)}</code></p>'


def home(query: dict[str, str], cookies: dict[str, str]) -> Answer:
    signed_in = bool(cookies.get(COOKIE))
    state = f'<a href="{PREFIX}/account">My account</a>' if signed_in else "You are not signed in."
    hint = f"<p>Try: sign up, then open <a href='{PREFIX}/mail'>the emails sent</a>.</p>"
    return page("Local shop", f"{told(query)}<p>{state}</p>{hint}")


def problem(title: str, answer: Any, form: str, status: int) -> Answer:
    return page(title, f'<p class="error">{html.escape(_error(answer))}</p>{form}', status)


def sign_up(form: dict[str, str]) -> Answer:
    status, answer = call("POST", "/signup", {k: form.get(k, "") for k in ("email", "password", "name")})
    if status != 202:
        return problem("Sign up", answer, SIGN_UP_FORM, 422)
    return page(
        "Check your email", "<p id='sent'>If this address can have an account, an email is on its way.</p>"
    )


def sign_in(form: dict[str, str]) -> Answer:
    status, answer = call(
        "POST", "/sessions", {"email": form.get("email", ""), "password": form.get("password", "")}
    )
    if status != 200:
        return problem("Sign in", answer, SIGN_IN_FORM, 401)
    return redirect("/account", _session_cookie(answer))


def forgot(form: dict[str, str]) -> Answer:
    call("POST", "/password/forgot", {"email": form.get("email", "")})
    return page(
        "Check your email", "<p id='sent'>If an account uses this address, a reset link is on its way.</p>"
    )


def handoff(form: dict[str, str], headers: dict[str, str]) -> Answer:
    """The invitation page's POST: check it comes from the API's pages, exchange the code."""
    api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(os.environ["LOCAL_API_URL"]))
    if headers.get("origin") not in (api_origin, None):
        return page("Refused", "<p class='error'>This hand-off did not come from the account pages.</p>", 403)
    status, answer = call("POST", "/sessions/handoff", {"code": form.get("handoff", "")}, _storefront_key())
    if status != 200:
        return problem("Hand-off refused", answer, "", 400)
    event = form.get("account_event", "")
    return redirect(f"/account?{urlencode({'account_event': event})}", _session_cookie(answer))


def account(query: dict[str, str], cookies: dict[str, str]) -> Answer:
    access, _, refresh = cookies.get(COOKIE, "").partition("|")
    if not access:
        return redirect("/account/sign-in")
    status, me = call("GET", "/me", headers={"Authorization": f"Bearer {access}"})
    cookie = None
    if status == 401 and refresh:  # the access token expired: refresh once, as a storefront would
        renewed, pair = call("POST", "/sessions/refresh", {"refresh_token": refresh})
        if renewed == 200:
            cookie = _session_cookie(pair)
            status, me = call("GET", "/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    if status != 200:
        return redirect("/account/sign-in", _session_cookie(None))
    body = (
        f"{told(query)}<p id='who'>Signed in as <b>{html.escape(me.get('name') or '')}</b> "
        f"({html.escape(me.get('email') or '')})</p><pre>{html.escape(json.dumps(me, indent=2))}</pre>"
        f'<form method="post" action="{PREFIX}/account/sign-out">'
        '<button id="sign-out">Sign out</button></form>'
        "<h2>Change my email address</h2>" + EMAIL_FORM
    )
    return page("My account", body, cookie=cookie)


def change_email(form: dict[str, str], cookies: dict[str, str]) -> Answer:
    """``POST /me/email``: a confirmation link goes to the new address (a notice to the old)."""
    access = cookies.get(COOKIE, "").partition("|")[0]
    body = {"new_email": form.get("new_email", ""), "password": form.get("password", "")}
    status, answer = call("POST", "/me/email", body, {"Authorization": f"Bearer {access}"})
    if status != 202:
        return problem("Change my email address", answer, EMAIL_FORM, 422)
    return page("Check your new mailbox", "<p id='sent'>Confirm the change with the link we sent there.</p>")


def sign_out(cookies: dict[str, str]) -> Answer:
    access = cookies.get(COOKIE, "").partition("|")[0]
    if access:
        call("DELETE", "/sessions/current", headers={"Authorization": f"Bearer {access}"})
    return redirect("/", _session_cookie(None))


def checkout(form: dict[str, str]) -> Answer:
    """A guest order, as the storefront's server records it; the register-later link is what
    its order confirmation email would carry."""
    order = {
        "document_id": f"SO-{secrets.token_hex(4).upper()}",
        "type": "order",
        "status": "open",
        "date": date.today().isoformat(),
        "currency": "EUR",
        "totals": {"net": 20.0, "tax": 4.0, "gross": 24.0},
    }
    body = {"email": form.get("email", ""), "name": form.get("name", ""), "order": order}
    status, answer = call("POST", "/guests", body, _storefront_key())
    if status != 201:
        return problem("Guest checkout", answer, CHECKOUT_FORM, 422)
    link = answer.get("register_later_url")
    later = (
        f'<p><a id="register-later" href="{html.escape(link)}">Create your account later</a></p>'
        if link
        else ""
    )
    return page(
        "Thank you for your order", f"<p id='order'>Order {order['document_id']} is placed.</p>{later}"
    )


def mail() -> Answer:
    url = os.environ["LOCAL_AWS_URL"] + "/_local/mail"
    with _OPENER.open(url, timeout=10) as answer:
        mails = json.loads(answer.read())
    items = "".join(
        f"<li><b>{html.escape(m['subject'])}</b> to {html.escape(', '.join(m['to']))}<ul>"
        + "".join(
            f'<li><a class="mail-link" href="{html.escape(link)}">{html.escape(link)}</a></li>'
            for link in m["links"]
        )
        + "</ul></li>"
        for m in mails[:30]
    )
    return page("Emails sent", f"<ol id='mails'>{items or '<li>No emails yet.</li>'}</ol>")


SIGN_UP_FORM = _form(
    [("name", "Name", "text"), ("email", "Email", "email"), ("password", "Password (8 or more)", "password")],
    "Create my account",
    "/account/sign-up",
)
SIGN_IN_FORM = _form(
    [("email", "Email", "email"), ("password", "Password", "password")], "Sign in", "/account/sign-in"
) + (f'<p><a href="{PREFIX}/account/forgot-password">Forgot your password?</a></p>')
EMAIL_FORM = _form(
    [("new_email", "New email address", "email"), ("password", "Your password", "password")],
    "Change it",
    "/account/email",
)
FORGOT_FORM = _form([("email", "Email", "email")], "Send me a link", "/account/forgot-password")
CHECKOUT_FORM = _form([("name", "Name", "text"), ("email", "Email", "email")], "Place the order", "/checkout")

GET_PAGES: dict[str, Callable[[], Answer]] = {
    "/account/sign-up": lambda: page("Sign up", SIGN_UP_FORM),
    "/account/sign-in": lambda: page("Sign in", SIGN_IN_FORM),
    "/account/forgot-password": lambda: page("Forgot your password", FORGOT_FORM),
    "/checkout": lambda: page("Guest checkout", CHECKOUT_FORM),
    "/mail": mail,
}


def handle(method: str, target: str, headers: dict[str, str], body: bytes | None) -> Answer:
    """One request to the local storefront (``target``: path and query, under ``/storefront``)."""
    parts = urlsplit(target)
    path = parts.path[len(PREFIX) :].rstrip("/") or "/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    headers = {k.lower(): v for k, v in headers.items()}
    jar = SimpleCookie(headers.get("cookie", ""))
    cookies = {name: morsel.value for name, morsel in jar.items()}
    form = {k: v[0] for k, v in parse_qs((body or b"").decode("utf-8", "replace")).items()}
    if method == "GET":
        if path == "/":
            return home(query, cookies)
        if path == "/account":
            return account(query, cookies)
        if path in GET_PAGES:
            return GET_PAGES[path]()
    if method == "POST":
        posts: dict[str, Callable[[], Answer]] = {
            "/account/sign-up": lambda: sign_up(form),
            "/account/sign-in": lambda: sign_in(form),
            "/account/forgot-password": lambda: forgot(form),
            "/account/handoff": lambda: handoff(form, headers),
            "/account/sign-out": lambda: sign_out(cookies),
            "/account/email": lambda: change_email(form, cookies),
            "/checkout": lambda: checkout(form),
        }
        if path in posts:
            return posts[path]()
    return page("Not found", "<p>This page of the local storefront does not exist.</p>", 404)
