"""`tools.run_all.answers`, the start-up probe of `make run` and `make run-prod`: a reply that is not HTTP
(what a probe connected to itself reads back: its own request line) means "not answering yet", not a crash."""
from __future__ import annotations

import socket
import threading

from tools import run_all


def serve_once(reply: bytes) -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(reply)
        listener.close()

    threading.Thread(target=answer, daemon=True).start()
    return listener.getsockname()[1]


def test_a_request_line_read_back_is_not_an_answer():
    port = serve_once(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert run_all.answers(f"http://127.0.0.1:{port}/") is False


def test_an_http_answer_is_one():
    port = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    assert run_all.answers(f"http://127.0.0.1:{port}/") is True
