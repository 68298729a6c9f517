"""The slow tiers' view of the local service: HTTP calls and the moto mailbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import requests

from devtools.local_setup import local_environ
from devtools.mailbox import Mail
from tests.support import STRONG_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

MAIL_TIMEOUT = 10  # seconds to wait for an email (inline sending takes well under one)
JOB_TIMEOUT = 30  # seconds for a bulk invitation job (run_local's worker wakes every 5 s)


def new_address(label: str = "ada") -> str:
    """A fresh address per test: the servers live for the whole session."""
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def local_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # local servers: no proxy from the environment
    return session


@dataclass(frozen=True)
class LocalService:
    """What ``python -m devtools.run_local`` serves, on ports picked for this session."""

    api_url: str
    aws_url: str
    storefront_url: str
    staff_key: str
    storefront_key: str
    run_record: str = ""  # where it recorded its ports (``devtools.local_run``)

    def cli(self, *args: str) -> str:
        """``python -m chalicelib.cli --stage local ...`` against this service's moto server."""
        aws_port = int(self.aws_url.rsplit(":", 1)[1])
        done = subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", "--stage", "local", *args],
            cwd=ROOT,
            env=local_environ(dict(os.environ), aws_port),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


class Mailbox:
    """The emails SES (moto) received, read from the moto server's ``/_local/mail``."""

    def __init__(self, aws_url: str) -> None:
        self.url = f"{aws_url}/_local/mail"
        self.http = local_session()

    def all(self) -> list[Mail]:
        """Every email, newest first."""
        answer = self.http.get(self.url, timeout=5)
        answer.raise_for_status()
        names = {f.name for f in fields(Mail)}
        return [Mail(**{k: v for k, v in item.items() if k in names}) for item in answer.json()]

    def to(self, address: str, subject: str = "") -> list[Mail]:
        return [m for m in self.all() if address in m.to and subject in m.subject]

    def wait(self, address: str, subject: str = "", count: int = 1, timeout: float = MAIL_TIMEOUT) -> Mail:
        """The newest email to ``address`` (with ``subject`` in its subject) once ``count`` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            mails = self.to(address, subject)
            if len(mails) >= count:
                return mails[0]
            if time.monotonic() > deadline:
                seen = [m.subject for m in self.to(address)]
                raise AssertionError(f"{count} email(s) {subject!r} to {address} not received; got {seen}")
            time.sleep(0.1)

    def wait_each(
        self, addresses: list[str], subject: str = "", timeout: float = MAIL_TIMEOUT
    ) -> dict[str, list[Mail]]:
        """The emails to each of ``addresses`` (with ``subject``), once every one has some."""
        deadline = time.monotonic() + timeout
        while True:
            mails = self.all()
            found = {a: [m for m in mails if a in m.to and subject in m.subject] for a in addresses}
            missing = [a for a, got in found.items() if not got]
            if not missing:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no email {subject!r} to {len(missing)} address(es): {missing[:5]}")
            time.sleep(0.2)


def token_from(link: str) -> str:
    return link.split("token=", 1)[1]


class Api:
    """JSON calls to the local API over HTTP."""

    def __init__(self, service: LocalService, mailbox: Mailbox) -> None:
        self.base = service.api_url
        self.mailbox = mailbox
        self.http = local_session()
        self.staff_key = service.staff_key
        self.storefront_key = service.storefront_key

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str
    ) -> requests.Response:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"{self.base}{path}", json=body, headers=headers, timeout=30)

    def storefront(self, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
        """A call from the storefront's server: the local storefront key in ``X-Storefront-Key``."""
        return self.call(method, path, body, **{"X-Storefront-Key": self.storefront_key, **headers})

    def exchange_handoff(self, code: str) -> requests.Response:
        """``POST /sessions/handoff`` as the storefront's server makes it."""
        return self.storefront("POST", "/sessions/handoff", {"code": code})

    def signup(self, email: str, password: str = STRONG_PASSWORD, name: str = "Ada", **extra: Any) -> Any:
        return self.call("POST", "/signup", {"email": email, "password": password, "name": name, **extra})

    def sign_in(self, email: str, password: str = STRONG_PASSWORD) -> requests.Response:
        return self.call("POST", "/sessions", {"email": email, "password": password})

    def verify_link(self, email: str, **signup: Any) -> str:
        """Sign up and return the verify link from the email that arrives."""
        answer = self.signup(email, **signup)
        assert answer.status_code == 202, answer.text
        return self.mailbox.wait(email).link("/verify?token=")

    def verified_account(self, email: str, password: str = STRONG_PASSWORD, **signup: Any) -> dict[str, Any]:
        """Sign up, verify with the emailed token, sign in; returns the session."""
        token = token_from(self.verify_link(email, password=password, **signup))
        answer = self.call("POST", "/signup/verify", {"token": token})
        assert answer.status_code == 200, answer.text
        session = self.sign_in(email, password)
        assert session.status_code == 200, session.text
        pair: dict[str, Any] = session.json()
        return pair

    # -- staff: invitations ------------------------------------------------------------

    def staff(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A call with the local staff key."""
        return self.call(method, path, body, token=self.staff_key)

    def invite(self, *rows: dict[str, Any]) -> requests.Response:
        return self.staff("POST", "/admin/invitations", {"customers": list(rows)})

    def finished_job(self, job_id: str, timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
        """The job's view once its status is ``done`` (the request or the worker did every row)."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.staff("GET", f"/admin/invitations/jobs/{job_id}")
            assert answer.status_code == 200, answer.text
            view: dict[str, Any] = answer.json()
            if view["status"] == "done":
                return view
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"job {job_id} not done in {timeout} s: {view['processed']}/{view['total']}"
                )
            time.sleep(0.25)

    def invitation_link(self, email: str, name: str = "Ada", **row: Any) -> tuple[str, str]:
        """Invite one new customer; the invitation id and the link from the email."""
        answer = self.invite({"email": email, "name": name, **row})
        assert answer.status_code == 202, answer.text
        job = self.finished_job(answer.json()["job_id"])
        assert [r["result"] for r in job["rows"]] == ["invited"], job["rows"]
        link = self.mailbox.wait(email).link("/invitations?token=")
        return str(job["rows"][0]["invitation_id"]), link

    def pending_invitations(self) -> list[dict[str, Any]]:
        """Every pending invitation of the local shop, all pages."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = f"?cursor={cursor}" if cursor else ""
            answer = self.staff("GET", f"/admin/invitations{query}")
            assert answer.status_code == 200, answer.text
            found += answer.json()["invitations"]
            cursor = answer.json()["next_cursor"]
            if not cursor:
                return found

    # -- guest checkout, documents and merges ------------------------------------------

    def checkout(self, email: str, name: str = "Gus Guest", **extra: Any) -> requests.Response:
        """``POST /guests`` as the storefront's server calls it at checkout (with its key)."""
        return self.storefront("POST", "/guests", {"email": email, "name": name, **extra})

    def guest(self, email: str, name: str = "Gus Guest", **extra: Any) -> dict[str, Any]:
        """A guest checkout that must succeed (201, ``kind`` guest); its answer."""
        answer = self.checkout(email, name, **extra)
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        assert body["kind"] == "guest", body
        return body

    def record_document(self, customer_id: str, document: dict[str, Any]) -> requests.Response:
        """The order system's feed: ``POST /admin/customers/{id}/documents`` with the staff key."""
        return self.staff("POST", f"/admin/customers/{customer_id}/documents", document)

    def activity_kinds(self, customer_id: str) -> list[str]:
        """The kinds of a customer's activity events, as staff see them."""
        answer = self.staff("GET", f"/admin/customers/{customer_id}/activity")
        assert answer.status_code == 200, answer.text
        return [event["kind"] for event in answer.json()["activity"]]


MERGE_OFFER = "Add your guest order to your account"


def document(document_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """An order-system document (an open order unless ``fields`` say otherwise), unique id."""
    return {
        "document_id": document_id or f"SO-{uuid.uuid4().hex[:10]}",
        "type": "order",
        "status": "open",
        "date": "2026-11-20",
        "currency": "EUR",
        "totals": {"net": 100.0, "tax": 20.0, "gross": 120.0},
        "lines": [{"line_id": "1", "sku": "TEA-01", "name": "Green tea", "quantity": 2, "unit_price": 50.0}],
        **fields,
    }
