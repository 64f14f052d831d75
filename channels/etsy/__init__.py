"""Etsy: everything about the Etsy channel lives in this folder.

`channel.EtsyChannel` is what ATELIER_CHANNELS names; `client` is a small typed
client for Etsy's Open API v3 on `requests` (x-api-key on every request, pacing
under the per-second limit, retries), `oauth` the PKCE connection, `listing` the
checks and the form Etsy takes, `receipts` and `reviews` what comes back.
Importing this package loads no network code.
"""
