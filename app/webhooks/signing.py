"""How a webhook body is signed (examples/webhook_receiver.py checks it the same way):
HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret, hex, in
`Webhook-Signature: v1=<hex>`, beside `Webhook-Timestamp` (Unix seconds) and `Webhook-Id`
(the delivery's id: the same on every retry, for idempotency)."""

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def secret_of(key: str, endpoint_id: int, nonce: str) -> str:
    """An endpoint's secret, derived from the server's key: nothing stores it."""
    digest = hmac.new(key.encode(), f"webhook:{endpoint_id}:{nonce}".encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"
