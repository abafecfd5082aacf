#!/usr/bin/env python3
"""A local stand-in for Firebase Cloud Messaging HTTP v1, checking requests as FCM does.

POST /v1/projects/{PROJECT}/messages:send with "Authorization: Bearer TOKEN" and a JSON
body {"message": {"token": ..., "notification": {"title": ..., "body": ...}}}. A wrong
token gets 401 UNAUTHENTICATED; a malformed message 400 INVALID_ARGUMENT; a good one
200 {"name": "projects/PROJECT/messages/<id>"}. Each accepted message is appended to
OUTPUT as a JSON line. Prints its port first.
Usage: fake_fcm.py OUTPUT PROJECT TOKEN
"""
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUTPUT, PROJECT, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]


def error(code, status, message):
    return {"error": {"code": code, "message": message, "status": status}}


class Handler(BaseHTTPRequestHandler):
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != f"/v1/projects/{PROJECT}/messages:send":
            return self.answer(404, error(404, "NOT_FOUND", f"{self.path} was not found"))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.answer(401, error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
        try:
            message = json.loads(raw)["message"]
            token, title, body = message["token"], message["notification"]["title"], message["notification"]["body"]
        except (ValueError, KeyError, TypeError):
            return self.answer(400, error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."))
        name = f"projects/{PROJECT}/messages/{uuid.uuid4().int % 10**16}"
        with open(OUTPUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({"name": name, "token": token, "title": title, "body": body}) + "\n")
        self.answer(200, {"name": name})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
