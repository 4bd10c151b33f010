#!/usr/bin/env python3
"""A loopback stand-in for the Hub's whoami endpoint, for bench/run.sh's cold case.

  whoami_server.py PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it listens). Answers
`GET /api/whoami-v2` with a whoami-v2 body shaped like the Hub's for a fine-grained token
when the Bearer token is $BENCH_TOKEN (read from the environment, never from argv), 401
otherwise; `GET /_calls` returns how many whoami requests it has served.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = os.environ["BENCH_TOKEN"]
BODY = json.dumps(
    {
        "type": "user",
        "id": "64b7f0a0c0ffee0000000001",
        "name": "bench-user",
        "fullname": "Bench User",
        "email": "bench@example.invalid",
        "emailVerified": True,
        "canPay": False,
        "periodEnd": None,
        "isPro": False,
        "avatarUrl": "/avatars/0000000000000000000000000000000.svg",
        "orgs": [
            {"type": "org", "id": f"64b7f0a0c0ffee00000000{i:02d}", "name": f"bench-org-{i}",
             "fullname": f"Bench Org {i}", "email": None, "canPay": False, "periodEnd": None,
             "avatarUrl": "/avatars/org.svg", "roleInOrg": "write", "isEnterprise": False}
            for i in range(3)
        ],
        "auth": {
            "type": "access_token",
            "accessToken": {
                "displayName": "bench",
                "role": "fineGrained",
                "createdAt": "2025-01-01T00:00:00.000Z",
                "fineGrained": {
                    "canReadGatedRepos": True,
                    "global": ["discussion.write", "post.write"],
                    "scoped": [
                        {"entity": {"_id": "64b7f0a0c0ffee0000000001", "type": "user",
                                    "name": "bench-user"},
                         "permissions": ["repo.content.read", "repo.write",
                                         "inference.serverless.write"]},
                        {"entity": {"_id": "64b7f0a0c0ffee0000000000", "type": "org",
                                    "name": "bench-org-0"},
                         "permissions": ["repo.content.read"]},
                    ],
                },
            },
        },
    }
).encode()

calls = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global calls
        if self.path == "/_calls":
            with lock:
                self.answer(200, str(calls).encode(), "text/plain")
        elif self.path == "/api/whoami-v2":
            with lock:
                calls += 1
            if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                self.answer(200, BODY, "application/json")
            else:
                self.answer(401, b'{"error":"Invalid credentials in Authorization header"}',
                            "application/json")
        else:
            self.answer(404, b"not found", "text/plain")

    def answer(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
