#!/usr/bin/env python3
"""A local stand-in for Twilio's Messages API, checking requests as Twilio does.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth
AccountSid:AuthToken and a form body with To, From and Body. Wrong credentials get
401 {"code": 20003, "message": "Authenticate"}; a missing field gets 400 with
Twilio's code and message; a good request gets 201 with a message sid. Each
accepted request is appended to OUTPUT as a JSON line. Prints its port first.
Usage: fake_twilio.py OUTPUT ACCOUNT_SID AUTH_TOKEN
"""
import base64
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

OUTPUT, SID, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self.answer(404, {"code": 20404, "message": f"The requested resource {self.path} was not found", "status": 404})
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.answer(400, {"code": 20001, "message": "Content-Type must be application/x-www-form-urlencoded", "status": 400})
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        for field, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(field):
                return self.answer(400, {"code": code, "message": f"A '{field}' is required.", "status": 400})
        sid = "SM" + uuid.uuid4().hex
        with open(OUTPUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({"sid": sid, "to": form["To"], "from": form["From"], "body": form["Body"]}) + "\n")
        self.answer(201, {"sid": sid, "status": "queued", "to": form["To"], "from": form["From"], "body": form["Body"], "account_sid": SID})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
