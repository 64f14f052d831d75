"""Standard Webhooks signing (https://www.standardwebhooks.com), with the `standardwebhooks` reference package.

webhook-id:        the event's id, the same on every retry
webhook-timestamp: seconds since the epoch of this attempt
webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per valid secret, space-separated
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets as random_secrets
import uuid

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def secret_generate() -> str:
    """A new signing secret: whsec_ and 32 random bytes in base64, as the spec's libraries expect."""
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(32)).decode()


def webhook_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


def signed_headers(*, webhook_id: str, body: bytes, secrets: list[str], at: dt.datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed with every secret in `secrets`."""
    signatures = " ".join(Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body) for secret in secrets)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
