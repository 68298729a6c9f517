"""``make run``'s own checks, without starting it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devtools import local_run
from devtools.run_local import port_is_free


def test_a_port_whose_server_just_stopped_is_free_again() -> None:
    """The connections a stopped server closed first sit in TIME_WAIT for a minute: a new
    server may listen there, so ``make run`` must not call the port taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as chalice's and moto's servers
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.close()  # the server closes first: its side goes to TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    assert port_is_free(port)


def test_a_port_with_a_listening_server_is_taken() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert not port_is_free(listener.getsockname()[1])


def test_readers_find_the_running_make_run_and_prefer_aws_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_RUN_RECORD", str(tmp_path / "local.json"))
    monkeypatch.delenv("AWS_PORT", raising=False)
    assert local_run.aws_port() == 5000  # nothing recorded
    local_run.record(8123, 5123)
    assert local_run.aws_port() == 5123
    monkeypatch.setenv("AWS_PORT", "5999")
    assert local_run.aws_port() == 5999
    local_run.forget()
    assert not (tmp_path / "local.json").exists()


def test_a_record_left_by_a_dead_make_run_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_RUN_RECORD", str(tmp_path / "local.json"))
    monkeypatch.delenv("AWS_PORT", raising=False)
    (tmp_path / "local.json").write_text('{"pid": 999999999, "port": 8123, "aws_port": 5123}')
    assert local_run.aws_port() == 5000
