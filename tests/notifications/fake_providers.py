"""Local stand-ins for the providers' HTTP APIs (Aliyun SMS, WeChat), on 127.0.0.1 with a random port.

Each records the requests it received and answers as the provider documents, errors included:
a test queues the error answers it wants (``fail_next``); otherwise the call succeeds.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications.backends.sms import sign


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeProvider:
    """Answers requests by ``answer(call) -> (status, json)``; ``fail_next`` answers come first, in order."""

    calls: list[Call] = field(default_factory=list)
    queued: list[tuple[int, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, answer: dict) -> None:
        with self.lock:
            self.queued.append((status, answer))

    def handle(self, call: Call) -> tuple[int, dict]:
        with self.lock:
            self.calls.append(call)
            if self.queued and self.takes_queued(call):
                return self.queued.pop(0)
        return self.answer(call)

    def takes_queued(self, call: Call) -> bool:
        return True

    def answer(self, call: Call) -> tuple[int, dict]:
        raise NotImplementedError

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.queued.clear()


class FakeAliyunSms(FakeProvider):
    """Dysmsapi SendSms: checks the RPC signature with ``secret`` as Aliyun does."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def answer(self, call: Call) -> tuple[int, dict]:
        params = call.form()
        signature = params.pop("Signature", "")
        if signature != sign(params, self.secret, call.method):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.calls)}", "RequestId": "r"}


class FakeWechat(FakeProvider):
    """The token endpoint and subscribe/send; tokens are numbered, ``expire_tokens()`` voids those issued."""

    def __init__(self):
        super().__init__()
        self.tokens_issued = 0
        self.valid_from = 1

    def expire_tokens(self) -> None:
        self.valid_from = self.tokens_issued + 1

    def takes_queued(self, call: Call) -> bool:
        return call.path == "/cgi-bin/message/subscribe/send"

    def answer(self, call: Call) -> tuple[int, dict]:
        if call.path == "/cgi-bin/token":
            self.tokens_issued += 1
            return 200, {"access_token": f"token-{self.tokens_issued}", "expires_in": 7200}
        if call.path == "/cgi-bin/message/subscribe/send":
            token = call.query.get("access_token", "")
            if not token.startswith("token-") or int(token[6:]) < self.valid_from:
                return 200, {"errcode": 42001, "errmsg": "access_token expired rid: fake"}
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.calls)}
        return 404, {"errcode": 404, "errmsg": "not found"}

    def sends(self) -> list[Call]:
        return [call for call in self.calls if call.path == "/cgi-bin/message/subscribe/send"]


class Server:
    """A threaded HTTP server handing every request to ``provider``; ``url`` is its base URL."""

    def __init__(self, provider: FakeProvider):
        self.provider = provider

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(
                    self.command, parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), self.rfile.read(length)
                )
                status, answer = provider.handle(call)
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, format, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
