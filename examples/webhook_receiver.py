"""A webhook receiver that checks each event's signature before trusting it.

Run: WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py 9000
then register http://127.0.0.1:9000/ with POST /api/v1/webhooks (admin). Loopback is not a
public address: the server and the worker need COMMITMENTS_WEBHOOK_ALLOWED_NETWORKS set to
'["127.0.0.1/32"]' to post there (behind a TLS proxy on a public name, no setting is needed).
"""

import hashlib
import hmac
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """True when the body was signed with `secret` within the last five minutes."""
    try:
        stamp = int(headers["Webhook-Timestamp"])
        presented = headers["Webhook-Signature"]
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - stamp) > TOLERANCE_SECONDS:
        return False  # an old message replayed
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(presented, f"v1={expected.hexdigest()}")


class Receiver(BaseHTTPRequestHandler):
    # Webhook-Id: a retry of a delivery already handled is answered, not handled again.
    seen: ClassVar[set[str]] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(os.environ["WEBHOOK_SECRET"], dict(self.headers), body):
            self.send_response(401)
        elif self.headers["Webhook-Id"] in self.seen:
            self.send_response(200)
        else:
            self.seen.add(self.headers["Webhook-Id"])
            print(body.decode())
            self.send_response(200)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
