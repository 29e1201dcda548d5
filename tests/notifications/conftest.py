"""A local stand-in for the 企业微信 / 钉钉 robots and an SMS provider on 127.0.0.1:18500+ (nothing leaves the
machine). It records every request, checks DingTalk's signature, and can be told to fail."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

DINGTALK_SECRET = "SEC0123456789abcdef"


class Robot:
    def __init__(self):
        self.requests = []
        self.failures = 0  # the next N requests get HTTP 500
        self.lock = threading.Lock()

    def handle(self, handler):
        length = int(handler.headers.get("Content-Length", 0))
        body = json.loads(handler.rfile.read(length).decode("utf-8"))
        url = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(url.query)
        record = {"path": url.path, "query": query, "body": body, "headers": dict(handler.headers)}
        with self.lock:
            self.requests.append(record)
            if self.failures:
                self.failures -= 1
                return 500, {"errcode": -1, "errmsg": "system busy"}
        if url.path == "/dingtalk":
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(),
                              hashlib.sha256).digest()
            record["signed"] = sign == base64.b64encode(digest).decode()
            if not record["signed"]:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def on(self, path):
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def robot():
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's naming
            status, reply = state.handle(self)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = None
    for port in range(18500, 18520):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError:
            continue
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_unread_counts():
    cache.clear()
    yield
    cache.clear()
