"""observe/logs.py: every line names its call or conversation, in tasks started after the bind too."""
from __future__ import annotations

import asyncio
import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from observe import logs


@pytest.fixture
def captured():
    for name in ("uvicorn.error", "uvicorn.access", "httpx", "ivr.test"):  # other tests' servers quieten them
        logging.getLogger(name).setLevel(logging.INFO)
    handler = logs.configure("json")
    stream = io.StringIO()
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_json_lines__carry_the_conversation_of_the_task_that_logged_them(captured):
    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the web tests' Playwright leaves one running here
        pool.submit(asyncio.run, two_calls()).result()
    lines = captured()
    assert sorted((line["conversation"], line["message"]) for line in lines) == [
        ("-", "between calls"), ("CA-one", "call started"), ("CA-one", "worker step"),
        ("CA-two", "call started"), ("CA-two", "worker step")]
    assert {line["logger"] for line in lines} == {"ivr.test"} and all(line["ts"].endswith("+00:00") for line in lines)


async def two_calls() -> None:
    log = logging.getLogger("ivr.test")

    async def call(call_sid: str) -> None:
        logs.bind(call_sid)
        log.info("call started")

        async def worker() -> None:  # a task the call starts inherits its id
            await asyncio.sleep(0)
            log.warning("worker step")
        await asyncio.get_running_loop().create_task(worker())

    await asyncio.gather(call("CA-one"), call("CA-two"))  # each in its own task, as two calls are
    log.info("between calls")


def test_uvicorn_lines__go_through_the_same_handler(captured):
    logging.getLogger("uvicorn.error").handlers.append(logging.NullHandler())
    logs.configure("json").setStream(stream := io.StringIO())
    logs.bind("family-7")
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    assert json.loads(stream.getvalue())["conversation"] == "family-7"
    logs.bind(None)


def test_configure__refuses_an_unknown_format():
    with pytest.raises(ValueError):
        logs.configure("xml")


def test_lines__mask_phone_numbers_whoever_logs_them(captured):
    logs.bind("CA-three")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "GET",
                                             "/api/v1/persons/by-phone/%2B8613912340001", 200)
    logging.getLogger("httpx").info("HTTP Request: GET http://x/persons/by-phone/+8613912340001 200")
    lines = captured()
    assert [line["message"] for line in lines] == [
        '127.0.0.1 - "GET /api/v1/persons/by-phone/[number] HTTP/1.1" 200',
        "HTTP Request: GET http://x/persons/by-phone/[number] 200"]
    logs.bind(None)


def test_access_lines__of_the_proxys_health_checks_are_dropped_and_others_kept(captured):
    access = logging.getLogger("uvicorn.access")
    for path in ("/readyz", "/livez", "/api/v1/ledger/head"):
        access.info('%s - "%s %s HTTP/1.0" %d', "127.0.0.1:4000", "GET", path, 200)
    assert [line["message"] for line in captured()] == ['127.0.0.1:4000 - "GET /api/v1/ledger/head HTTP/1.0" 200']
