"""A loopback stand-in for the Hub's whoami-v2, for the Wine checks of `login`: tokens named
in TOKENS answer 200 with their user and token name, anything else 401. Prints its port."""
import http.server
import json
import sys

TOKENS = {
    "hf_WineLoginTokenAAAAAAAAAAAAAAAAAAAAAAAA": ("alice", "laptop", "write"),
    "hf_WineLoginTokenBBBBBBBBBBBBBBBBBBBBBBBB": ("alice", "ci", "read"),
}


class Hub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.path != "/api/whoami-v2" or token not in TOKENS:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        user, name, role = TOKENS[token]
        body = json.dumps({
            "type": "user",
            "name": user,
            "orgs": [],
            "auth": {"type": "access_token",
                     "accessToken": {"displayName": name, "role": role}},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
