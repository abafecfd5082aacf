#!/usr/bin/env python3
"""A real SMTP server for the notification tests (aiosmtpd, from PyPI).

Listens on 127.0.0.1 at a free port, prints the port on its first line, and appends
each message it accepts to OUTPUT as one JSON line: mail_from, rcpt_tos, subject,
to, from, text, html, tls. With --refuse-first N it answers the first N RCPT commands
with "451 4.3.0 try again later", as a busy server does. With --starttls it offers
STARTTLS (a self-signed certificate made with openssl) and refuses mail sent without
it. Stops when stdin closes.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import subprocess
import sys
import tempfile

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, output, refuse_first):
        self.output = output
        self.refusals_left = refuse_first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusals_left > 0:
            self.refusals_left -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {"text/plain": "", "text/html": ""}
        for part in message.walk():
            if part.get_content_type() in parts:
                parts[part.get_content_type()] = part.get_content()
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "subject": str(message["Subject"]),
                  "to": str(message["To"]), "from": str(message["From"]), "text": parts["text/plain"], "html": parts["text/html"],
                  "tls": session.ssl is not None}
        with open(self.output, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def tls_context(folder):
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def serve(output, refuse_first, starttls):
    loop = asyncio.get_running_loop()
    sink = Sink(output, refuse_first)
    folder = tempfile.mkdtemp()
    context = tls_context(folder) if starttls else None
    server = await loop.create_server(lambda: SMTP(sink, tls_context=context, require_starttls=starttls), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # the test closes stdin (or ends) to stop the server
    server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--refuse-first", type=int, default=0)
    parser.add_argument("--starttls", action="store_true")
    args = parser.parse_args()
    asyncio.run(serve(args.output, args.refuse_first, args.starttls))


if __name__ == "__main__":
    main()
