"""A fake Etsy Open API v3 on loopback, validating requests against Etsy's OpenAPI document.

    with FakeEtsy() as etsy:
        client = EtsyClient(keystring=etsy.keystring, shared_secret=etsy.shared_secret,
                            tokens=..., base_url=etsy.base_url)

What it holds the client to:

- the document (etsy_openapi.json beside this file, the operations Atelier uses cut from
  shared/etsy/openapi.json): the route and method, path and query parameters (types,
  enums, bounds), the request's content type (form-encoded where the document says so,
  JSON or multipart elsewhere), required fields, unknown fields, field types and enums
  (`who_made`, `when_made`, `state`, ...);
- `x-api-key: keystring:shared_secret` on every request (a bare keystring gets 403, as
  Etsy answers since 2026) and a live bearer token on every OAuth-secured operation;
- OAuth 2.0 with PKCE: `/oauth/connect` approves at once and redirects with a code;
  `/v3/public/oauth/token` exchanges it (S256 checked) and rotates refresh tokens: each
  refresh returns a new one and the old one dies on use (`invalid_grant` after);
- Etsy's listing rules: title length and characters, tags, materials, at most 10 images,
  legacy personalisation fields refused (the personalisation endpoint replaced them);
  errors as `{"error": "field: message\\n..."}`, one line per field;
- the rate limit: `per_second` in any second and `per_day`, reported in x-limit-* and
  x-remaining-* headers; 429 with retry-after beyond them;
- faults (`inject(Fault(...))`): a status (429 with retry-after, 5xx) without applying,
  or applying and then dropping the connection ("created but the answer was lost");
- a record of every request (operation, status), for assertions.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import functools
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.channels.fakes import close, serve

DOCUMENT = Path(__file__).with_name("etsy_openapi.json")
TITLE_ALLOWED = re.compile(r"^[\w\s\-.,'\"!?()/&%:+#*@$™©®]*$", re.UNICODE)
TAG_ALLOWED = re.compile(r"^[\w\s\-'™©®]*$", re.UNICODE)
MATERIAL_ALLOWED = re.compile(r"^[\w\s]*$", re.UNICODE)
LEGACY_PERSONALISATION = (
    "is_personalizable",
    "personalization_is_required",
    "personalization_char_count_max",
    "personalization_instructions",
)


@dataclass
class Fault:
    """kind: "status" (answer `status` without applying), "apply_then_drop" (apply, close unanswered),
    "apply_then_status" (apply, answer `status`). `operation`: an operationId, or None for any."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    operation: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    operation: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@functools.cache
def _document() -> dict:
    return json.loads(DOCUMENT.read_text())


def _load_routes(document: dict) -> list[tuple[str, re.Pattern, dict]]:
    routes = []
    for template, operations in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
        for method, operation in operations.items():
            if isinstance(operation, dict) and "operationId" in operation:
                routes.append((method.upper(), pattern, operation))
    return routes


class FakeEtsy:
    shop_id = 5550001
    user_id = 4440001
    shop_name = "AtelierTestShop"

    def __init__(
        self,
        *,
        keystring: str = "fakekeystring0123456789",
        shared_secret: str = "fakesharedsecret01234",
        per_second: int = 10,
        per_day: int = 10_000,
        clock=time.monotonic,
        access_ttl: int = 3600,
        port: int = 0,
    ) -> None:
        self.port = port
        self.keystring, self.shared_secret = keystring, shared_secret
        self.per_second, self.per_day, self.clock, self.access_ttl = per_second, per_day, clock, access_ttl
        self.document = _document()
        self.schemas = self.document["components"]["schemas"]
        self.scopes = set(
            self.document["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]["scopes"]
        )
        self.routes = _load_routes(self.document)
        self._lock = threading.RLock()
        self._ids = itertools.count(900_000_001)
        self._sent: deque[float] = deque()
        self.used_today = 0
        self.faults: deque[Fault] = deque()
        self.requests: list[Recorded] = []
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, float] = {}  # token → expires at (clock)
        self.refresh_tokens: set[str] = set()
        self.refreshes = 0
        self.listings: dict[int, dict] = {}
        self.images: dict[int, list[dict]] = {}
        self.inventory: dict[int, dict] = {}
        self.personalization: dict[int, list[dict]] = {}
        self.receipts: list[dict] = []
        self.reviews: list[dict] = []
        self.readiness = [
            {
                "shop_id": self.shop_id,
                "readiness_state_id": 1201,
                "readiness_state": "ready_to_ship",
                "min_processing_days": 1,
                "max_processing_days": 3,
                "processing_days_display_label": "1-3 days",
            },
            {
                "shop_id": self.shop_id,
                "readiness_state_id": 1202,
                "readiness_state": "made_to_order",
                "min_processing_days": 3,
                "max_processing_days": 10,
                "processing_days_display_label": "3-10 days",
            },
            {
                "shop_id": self.shop_id,
                "readiness_state_id": 1203,
                "readiness_state": "made_to_order",
                "min_processing_days": 10,
                "max_processing_days": 30,
                "processing_days_display_label": "2-4 weeks",
            },
        ]
        self._server: ThreadingHTTPServer | None = None

    # --- Life cycle -------------------------------------------------------------------

    def start(self) -> FakeEtsy:
        fake = self

        class Handler(_Handler):
            etsy = fake

        self._server = serve(Handler, self.port)
        return self

    def stop(self) -> None:
        close(self._server)
        self._server = None

    def __enter__(self) -> FakeEtsy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def connect_url(self) -> str:
        return f"{self.base_url}/oauth/connect"

    # --- Test helpers -----------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def calls(self, operation: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation == operation]

    def grant(self) -> dict:
        """Tokens as if a shop owner had connected (for tests that don't go through the pages)."""
        with self._lock:
            return self._issue()

    def revoke_grant(self) -> None:
        """What a password change on Etsy does: every token dies."""
        with self._lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self.access_tokens:
                self.access_tokens[token] = self.clock() - 1

    def add_receipt(self, receipt: dict) -> None:
        with self._lock:
            self.receipts = [r for r in self.receipts if r["receipt_id"] != receipt["receipt_id"]] + [receipt]

    def add_review(self, review: dict) -> None:
        with self._lock:
            self.reviews.append(review)

    def sell(self, *, sku: str, quantity: int = 1, personalisation: str = "") -> dict:
        """A buyer pays for `quantity` of the listing product with this SKU (for the demo and tests)."""
        with self._lock:
            for listing_id, inventory in self.inventory.items():
                for product in inventory.get("products", []):
                    if product.get("sku") == sku:
                        offering = product["offerings"][0]
                        now = int(time.time())
                        receipt_id = next(self._ids)
                        variations = []
                        if personalisation:
                            variations.append(
                                {
                                    "property_id": 54,
                                    "value_id": None,
                                    "formatted_name": "Personalization",
                                    "formatted_value": personalisation,
                                    "question_id": 1,
                                }
                            )
                        receipt = {
                            "receipt_id": receipt_id,
                            "status": "paid",
                            "is_paid": True,
                            "created_timestamp": now,
                            "updated_timestamp": now,
                            "grandtotal": {**offering["price"], "amount": offering["price"]["amount"] * quantity},
                            "transactions": [
                                {
                                    "transaction_id": next(self._ids),
                                    "listing_id": listing_id,
                                    "sku": sku,
                                    "quantity": quantity,
                                    "price": offering["price"],
                                    "variations": variations,
                                }
                            ],
                        }
                        offering["quantity"] = max(0, offering["quantity"] - quantity)
                        self.receipts.append(receipt)
                        return receipt
        raise KeyError(f"No listing sells {sku}")

    def listing_skus(self, listing_id: int) -> list[str]:
        return [p["sku"] for p in self.inventory.get(listing_id, {}).get("products", [])]

    # --- OAuth -------------------------------------------------------------------------

    def _issue(self) -> dict:
        access = f"{self.user_id}.{secrets.token_urlsafe(24)}"
        refresh = f"{self.user_id}.{secrets.token_urlsafe(24)}"
        self.access_tokens[access] = self.clock() + self.access_ttl
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.access_ttl, "refresh_token": refresh}

    def authorize(self, query: dict[str, str]) -> str:
        """The consent page, approved at once: the redirect back to the app."""
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if query.get("client_id") != self.keystring:
            problems.append("unknown client_id")
        if query.get("code_challenge_method") != "S256" or not re.fullmatch(
            r"[A-Za-z0-9_-]{43}", query.get("code_challenge", "")
        ):
            problems.append("PKCE S256 code_challenge required")
        if not query.get("state"):
            problems.append("state required")
        requested = set(query.get("scope", "").split())
        if not requested or requested - self.scopes:
            problems.append("unknown scope")
        if not query.get("redirect_uri", "").startswith("http"):
            problems.append("redirect_uri required")
        if problems:
            raise _Refused(400, "; ".join(problems))
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = {**query}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        return query["redirect_uri"] + separator + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str]) -> dict:
        with self._lock:
            if form.get("client_id") != self.keystring:
                raise _Refused(400, "invalid_client", error_description="Unknown client_id")
            if form.get("grant_type") == "authorization_code":
                attempt = self.codes.pop(form.get("code", ""), None)
                if attempt is None:
                    raise _Refused(400, "invalid_grant", error_description="code is invalid or was used")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if challenge.rstrip(b"=").decode() != attempt["code_challenge"]:
                    raise _Refused(400, "invalid_grant", error_description="code_verifier does not match")
                if form.get("redirect_uri") != attempt["redirect_uri"]:
                    raise _Refused(400, "invalid_grant", error_description="redirect_uri does not match")
                return self._issue()
            if form.get("grant_type") == "refresh_token":
                refresh = form.get("refresh_token", "")
                if refresh not in self.refresh_tokens:
                    raise _Refused(
                        400, "invalid_grant", error_description="refresh token is invalid, expired or revoked"
                    )
                self.refresh_tokens.discard(refresh)  # rotation: the old one dies on use
                self.refreshes += 1
                return self._issue()
            raise _Refused(400, "unsupported_grant_type")

    # --- Rate limit --------------------------------------------------------------------

    def _rate(self) -> tuple[dict[str, str], _Refused | None]:
        with self._lock:
            now = self.clock()
            while self._sent and now - self._sent[0] >= 1.0:
                self._sent.popleft()
            refused = None
            if self.used_today >= self.per_day:
                refused = _Refused(429, "You have exceeded your daily quota.", retry_after="3600")
            elif len(self._sent) >= self.per_second:
                wait = max(1, int(1.0 - (now - self._sent[0]) + 0.999))
                refused = _Refused(429, "You have exceeded your quota of requests per second.", retry_after=str(wait))
            else:
                self._sent.append(now)
                self.used_today += 1
            headers = {
                "x-limit-per-second": str(self.per_second),
                "x-remaining-this-second": str(max(0, self.per_second - len(self._sent))),
                "x-limit-per-day": str(self.per_day),
                "x-remaining-today": str(max(0, self.per_day - self.used_today)),
            }
            return headers, refused

    # --- Validation against the document ----------------------------------------------

    def route(self, method: str, path: str) -> tuple[dict, dict[str, str]]:
        for route_method, pattern, operation in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return operation, match.groupdict()
        if any(pattern.match(path) for _, pattern, _ in self.routes):
            raise _Refused(405, f"{method} is not allowed here")
        raise _Refused(404, f"No route {method} {path}")

    def check_key(self, headers) -> None:
        key = headers.get("x-api-key", "")
        if not key:
            raise _Refused(403, "Missing x-api-key header")
        if ":" not in key:
            raise _Refused(403, "x-api-key must be keystring:shared_secret; a bare keystring is no longer accepted")
        if key != f"{self.keystring}:{self.shared_secret}":
            raise _Refused(403, "Invalid API key")

    def check_token(self, operation: dict, headers) -> None:
        needs = any("oauth2" in requirement for requirement in operation.get("security", []))
        if not needs:
            return
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        with self._lock:
            expires = self.access_tokens.get(token)
        if expires is None or expires < self.clock():
            raise _Refused(401, "invalid_token")

    def parameters(self, operation: dict, path_params: dict[str, str], query: dict[str, list[str]]) -> dict:
        values = {}
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        for name in query:
            if name not in declared or declared[name]["in"] != "query":
                raise _Refused(400, f"{name}: not a parameter of {operation['operationId']}")
        for name, parameter in declared.items():
            raw = path_params.get(name) if parameter["in"] == "path" else (query.get(name) or [None])[-1]
            if raw is None:
                if parameter.get("required"):
                    raise _Refused(400, f"{name}: required")
                continue
            values[name] = self._coerce(name, raw, parameter["schema"], form=True)
        return values

    def body(self, operation: dict, content_type: str, raw: bytes) -> dict:
        spec = operation.get("requestBody")
        if spec is None:
            if raw:
                raise _Refused(400, "This operation takes no body")
            return {}
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in spec["content"]:
            raise _Refused(415, f"Content-Type must be {' or '.join(spec['content'])}, not {media or '(none)'}")
        schema = self._resolve(spec["content"][media]["schema"])
        if media == "application/json":
            try:
                data = json.loads(raw or b"null")
            except ValueError:
                raise _Refused(400, "Malformed JSON") from None
            self._check_json("", data, schema)
            return data
        if media == "application/x-www-form-urlencoded":
            pairs = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            files: dict[str, bytes] = {}
        else:
            pairs, files = _multipart(content_type, raw)
        data = {}
        properties = schema.get("properties", {})
        for name, values in pairs.items():
            if name not in properties:
                raise _Refused(400, f"{name}: not a field of {operation['operationId']}")
            if len(values) != 1:
                raise _Refused(400, f"{name}: send one value (lists are one comma-separated value)")
            data[name] = self._coerce(name, values[0], self._resolve(properties[name]), form=True)
        for name, content in files.items():
            if name not in properties:
                raise _Refused(400, f"{name}: not a field of {operation['operationId']}")
            data[name] = content
        for name in schema.get("required", []):
            if name not in data:
                raise _Refused(400, f"{name}: required")
        return data

    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].split("/")[-1]]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._resolve(schema["allOf"][0])
        return schema

    def _coerce(self, name: str, raw: str, schema: dict, *, form: bool):
        schema = self._resolve(schema)
        kind = schema.get("type")
        if kind == "array":
            items = [item for item in raw.split(",")] if raw != "" else []
            return [
                self._coerce(
                    name, item.strip() if schema["items"].get("type") != "string" else item, schema["items"], form=form
                )
                for item in items
            ]
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", raw):
                raise _Refused(400, f"{name}: must be an integer")
            value = int(raw)
        elif kind == "number":
            try:
                value = float(raw)
            except ValueError:
                raise _Refused(400, f"{name}: must be a number") from None
        elif kind == "boolean":
            if raw not in ("true", "false", "1", "0"):
                raise _Refused(400, f"{name}: must be true or false")
            value = raw in ("true", "1")
        else:
            value = raw
        self._bounds(name, value, schema)
        return value

    def _bounds(self, name: str, value, schema: dict) -> None:
        if "enum" in schema and value not in schema["enum"] and not (value is None and schema.get("nullable")):
            raise _Refused(400, f"{name}: {value!r} is not one of {', '.join(map(str, schema['enum']))}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                raise _Refused(400, f"{name}: must be at least {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                raise _Refused(400, f"{name}: must be at most {schema['maximum']}")

    def _check_json(self, where: str, value, schema: dict) -> None:
        schema = self._resolve(schema)
        label = where or "body"
        if value is None:
            if schema.get("nullable"):
                return
            raise _Refused(400, f"{label}: must not be null")
        kind = schema.get("type")
        expected = {"object": dict, "array": list, "string": str, "boolean": bool}.get(kind)
        if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
            raise _Refused(400, f"{label}: must be an integer")
        if kind == "number" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise _Refused(400, f"{label}: must be a number")
        if expected and not isinstance(value, expected):
            raise _Refused(400, f"{label}: must be {kind}")
        self._bounds(label, value, schema)
        if kind == "object":
            properties = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    raise _Refused(400, f"{where + '.' if where else ''}{name}: required")
            for name, item in value.items():
                if name not in properties:
                    raise _Refused(400, f"{where + '.' if where else ''}{name}: not a field here")
                self._check_json(f"{where + '.' if where else ''}{name}", item, properties[name])
        elif kind == "array":
            for index, item in enumerate(value):
                self._check_json(f"{where}[{index}]", item, schema["items"])

    # --- Operations --------------------------------------------------------------------

    def apply(self, operation_id: str, params: dict, data: dict) -> tuple[int, object]:
        handler = getattr(self, f"op_{operation_id}", None)
        if handler is None:
            raise _Refused(501, f"{operation_id} is not implemented by the fake")
        with self._lock:
            return handler(params, data)

    def op_ping(self, params, data):
        return 200, {"application_id": 1}

    def op_getMe(self, params, data):
        return 200, {"user_id": self.user_id, "shop_id": self.shop_id}

    def op_getShop(self, params, data):
        self._shop(params)
        return 200, {
            "shop_id": self.shop_id,
            "user_id": self.user_id,
            "shop_name": self.shop_name,
            "currency_code": "GBP",
        }

    def op_getShopReadinessStateDefinitions(self, params, data):
        self._shop(params)
        return 200, _page(self.readiness, params)

    def _shop(self, params) -> None:
        if params.get("shop_id") != self.shop_id:
            raise _Refused(403, "You do not have access to this shop")

    def _listing(self, params) -> dict:
        listing = self.listings.get(params["listing_id"])
        if listing is None:
            raise _Refused(404, f"Listing {params['listing_id']} not found")
        if "shop_id" in params:
            self._shop(params)
        return listing

    def _listing_rules(self, data: dict) -> None:
        problems = []
        for legacy in LEGACY_PERSONALISATION:
            if legacy in data:
                problems.append(f"{legacy}: no longer supported; use the listing personalization endpoint")
        title = data.get("title")
        if title is not None:
            if not title.strip() or len(title) > 140:
                problems.append("title: must be 1 to 140 characters")
            elif not TITLE_ALLOWED.match(title):
                problems.append("title: contains characters Etsy does not allow")
            else:
                for once in "%:&+":
                    if title.count(once) > 1:
                        problems.append(f"title: {once} may appear at most once")
        tags = data.get("tags")
        if tags is not None:
            if len(tags) > 13:
                problems.append("tags: at most 13 tags")
            for tag in tags:
                if not tag.strip() or len(tag) > 20 or not TAG_ALLOWED.match(tag):
                    problems.append(f"tags: {tag!r} must be 1 to 20 letters, numbers, spaces, - ' ™ © ®")
            if len({t.lower() for t in tags}) != len(tags):
                problems.append("tags: must be unique")
        for material in data.get("materials") or []:
            if not MATERIAL_ALLOWED.match(material):
                problems.append(f"materials: {material!r} may only contain letters, numbers and spaces")
        if "quantity" in data and not 1 <= data["quantity"] <= 999:
            problems.append("quantity: must be between 1 and 999")
        if "price" in data and not 0.2 <= data["price"] <= 50000:
            problems.append("price: must be between 0.20 and 50000")
        if "readiness_state_id" in data and data["readiness_state_id"] not in {
            r["readiness_state_id"] for r in self.readiness
        }:
            problems.append("readiness_state_id: not a processing profile of this shop")
        if problems:
            raise _Refused(400, "\n".join(problems))

    def op_createDraftListing(self, params, data):
        self._shop(params)
        self._listing_rules(data)
        listing_id = next(self._ids)
        now = int(time.time())
        listing = {
            "listing_id": listing_id,
            "user_id": self.user_id,
            "shop_id": self.shop_id,
            "state": "draft",
            "creation_timestamp": now,
            "created_timestamp": now,
            "updated_timestamp": now,
            "last_modified_timestamp": now,
            "tags": [],
            "materials": [],
            "has_variations": False,
            **{k: v for k, v in data.items() if k not in ("price", "image_ids")},
            "price": _money(data["price"]),
        }
        self.listings[listing_id] = listing
        self.images[listing_id] = []
        self.inventory[listing_id] = {
            "products": [
                {
                    "product_id": next(self._ids),
                    "sku": "",
                    "is_deleted": False,
                    "property_values": [],
                    "offerings": [
                        {
                            "offering_id": next(self._ids),
                            "quantity": data["quantity"],
                            "is_enabled": True,
                            "is_deleted": False,
                            "price": _money(data["price"]),
                            "readiness_state_id": data.get("readiness_state_id"),
                        }
                    ],
                }
            ],
            "price_on_property": [],
            "quantity_on_property": [],
            "sku_on_property": [],
            "readiness_state_on_property": [],
        }
        return 201, listing

    def op_updateListing(self, params, data):
        listing = self._listing(params)
        self._listing_rules(data)
        if data.get("state") == "active":
            if not self.images[listing["listing_id"]]:
                raise _Refused(400, "state: a listing needs at least one image to be active")
            if listing.get("quantity", 0) < 1:
                raise _Refused(400, "state: a listing needs a quantity to be active")
        listing.update({k: v for k, v in data.items() if k != "image_ids"})
        listing["updated_timestamp"] = listing["last_modified_timestamp"] = int(time.time())
        return 200, listing

    def op_getListing(self, params, data):
        return 200, self._listing(params)

    def op_getListingsByShop(self, params, data):
        self._shop(params)
        state = params.get("state", "active")
        found = []
        includes = params.get("includes") or []
        for listing in self.listings.values():
            if listing["state"] != state:
                continue
            item = dict(listing)
            if "Inventory" in includes:
                item["inventory"] = self.inventory[listing["listing_id"]]
            if "Images" in includes:
                item["images"] = self.images[listing["listing_id"]]
            found.append(item)
        return 200, _page(found, params)

    def op_getListingImages(self, params, data):
        listing = self._listing(params)
        images = self.images[listing["listing_id"]]
        return 200, {"count": len(images), "results": images}

    def op_uploadListingImage(self, params, data):
        listing = self._listing(params)
        images = self.images[listing["listing_id"]]
        rank = int(data.get("rank", 1))
        if "listing_image_id" in data:
            image = next((i for i in images if i["listing_image_id"] == data["listing_image_id"]), None)
            if image is None:
                raise _Refused(404, "listing_image_id: no such image on this listing")
            images.remove(image)
        else:
            content = data.get("image")
            if not isinstance(content, bytes) or not content:
                raise _Refused(400, "image: an image file is required")
            if len(images) >= 10:
                raise _Refused(400, "image: a listing has at most 10 images")
            image = {
                "listing_id": listing["listing_id"],
                "listing_image_id": next(self._ids),
                "sha256": hashlib.sha256(content).hexdigest(),
                "url_fullxfull": "",
            }
            image["url_fullxfull"] = f"{self.base_url}/images/{image['listing_image_id']}.jpg"
        image["alt_text"] = data.get("alt_text", "")
        images.insert(max(0, min(rank - 1, len(images))), image)
        for position, item in enumerate(images, start=1):
            item["rank"] = position
        return 201, {k: v for k, v in image.items() if k != "sha256"}

    def op_deleteListingImage(self, params, data):
        listing = self._listing(params)
        images = self.images[listing["listing_id"]]
        before = len(images)
        images[:] = [i for i in images if i["listing_image_id"] != params["listing_image_id"]]
        if len(images) == before:
            raise _Refused(404, "No such image")
        for position, item in enumerate(images, start=1):
            item["rank"] = position
        return 204, None

    def op_getListingInventory(self, params, data):
        listing = self._listing(params)
        return 200, self.inventory[listing["listing_id"]]

    def op_updateListingInventory(self, params, data):
        listing = self._listing(params)
        most = int(params.get("max_variations_supported", "2"))
        problems, seen_skus, seen_values = [], set(), set()
        properties: set[int] = set()
        for index, product in enumerate(data["products"]):
            sku = product.get("sku") or ""
            if sku and sku in seen_skus:
                problems.append(f"products: SKU {sku} appears twice")
            seen_skus.add(sku)
            values = tuple((pv["property_id"], tuple(pv["values"])) for pv in product.get("property_values", []))
            if values in seen_values:
                problems.append(f"products: product {index} repeats another's variation values")
            seen_values.add(values)
            properties.update(pv["property_id"] for pv in product.get("property_values", []))
            if len(product["offerings"]) != 1:
                problems.append(f"products: product {index} needs exactly one offering")
            for offering in product["offerings"]:
                if not 0.2 <= offering["price"] <= 50000:
                    problems.append(f"price: {offering['price']} must be between 0.20 and 50000")
                if not 0 <= offering["quantity"] <= 999:
                    problems.append(f"quantity: {offering['quantity']} must be between 0 and 999")
        if len(properties) > most:
            problems.append(f"products: at most {most} variation properties")
        if len(data["products"]) > 1 and not properties:
            problems.append("products: several products need variation property_values")
        if problems:
            raise _Refused(400, "\n".join(problems))
        stored = {**data, "products": []}
        for product in data["products"]:
            stored["products"].append(
                {
                    "product_id": next(self._ids),
                    "sku": product.get("sku") or "",
                    "is_deleted": False,
                    "property_values": product.get("property_values", []),
                    "offerings": [
                        {"offering_id": next(self._ids), "is_deleted": False, **o, "price": _money(o["price"])}
                        for o in product["offerings"]
                    ],
                }
            )
        for key in ("price_on_property", "quantity_on_property", "sku_on_property", "readiness_state_on_property"):
            stored.setdefault(key, [])
        self.inventory[listing["listing_id"]] = stored
        listing["quantity"] = sum(o["quantity"] for p in data["products"] for o in p["offerings"] if o["is_enabled"])
        listing["has_variations"] = bool(properties)
        if listing["state"] == "active" and listing["quantity"] == 0:
            listing["state"] = "sold_out"
        elif listing["state"] == "sold_out" and listing["quantity"] > 0:
            listing["state"] = "active"
        return 200, stored

    def op_updateListingPersonalization(self, params, data):
        listing = self._listing(params)
        questions = data["personalization_questions"]
        if len(questions) > 1 and not params.get("supports_multiple_personalization_questions"):
            raise _Refused(
                400, "personalization_questions: only one question unless supports_multiple_personalization_questions"
            )
        stored = []
        for question in questions:
            if question["question_type"] == "text_input" and not question.get("max_allowed_characters"):
                raise _Refused(400, "max_allowed_characters: required for a text_input question")
            stored.append({**question, "question_id": question.get("question_id") or next(self._ids)})
        self.personalization[listing["listing_id"]] = stored
        return 201, {"listing_id": listing["listing_id"], "personalization_questions": stored}

    def op_deleteListingPersonalization(self, params, data):
        listing = self._listing(params)
        self.personalization.pop(listing["listing_id"], None)
        return 204, None

    def op_getShopReceipts(self, params, data):
        self._shop(params)
        found = [r for r in self.receipts if r["updated_timestamp"] >= params.get("min_last_modified", 0)]
        key = "updated_timestamp" if params.get("sort_on") == "updated" else "created_timestamp"
        found.sort(
            key=lambda r: (r[key], r["receipt_id"]),
            reverse=params.get("sort_order", "desc") in ("desc", "descending", "down"),
        )
        return 200, _page(found, params)

    def op_getReviewsByShop(self, params, data):
        self._shop(params)
        found = [r for r in self.reviews if r["created_timestamp"] >= (params.get("min_created") or 0)]
        found.sort(key=lambda r: r["created_timestamp"], reverse=True)
        return 200, _page(found, params)


def _page(items: list, params: dict) -> dict:
    offset, limit = params.get("offset", 0), params.get("limit", 25)
    return {"count": len(items), "results": items[offset : offset + limit]}


def _money(amount: float) -> dict:
    return {"amount": round(float(amount) * 100), "divisor": 100, "currency_code": "GBP"}


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, list[str]], dict[str, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    if not message.is_multipart():
        raise _Refused(400, "Malformed multipart body")
    fields: dict[str, list[str]] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = payload
        else:
            fields.setdefault(name, []).append(payload.decode("utf-8"))
    return fields, files


class _Handler(BaseHTTPRequestHandler):
    etsy: FakeEtsy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body would otherwise wait on a delayed ACK (40 ms a call)

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        etsy = self.etsy
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        record = Recorded(
            method=method,
            path=parts.path,
            operation="",
            headers=dict(self.headers.items()),
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
        )
        etsy.requests.append(record)
        extra_headers: dict[str, str] = {}
        try:
            if parts.path == "/_fake/sell" and method == "POST":  # the demo's buyer (not part of Etsy's API)
                record.operation = "fakeSell"
                order = json.loads(raw or b"{}")
                try:
                    sold = etsy.sell(
                        sku=str(order.get("sku", "")),
                        quantity=int(order.get("quantity", 1)),
                        personalisation=str(order.get("personalisation", "")),
                    )
                except KeyError as missing:
                    raise _Refused(404, str(missing)) from None
                return self._answer(record, 201, sold)
            if parts.path == "/oauth/connect" and method == "GET":
                record.operation = "oauthConnect"
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                return self._redirect(record, etsy.authorize(query))
            if parts.path == "/v3/public/oauth/token" and method == "POST":
                record.operation = "oauthToken"
                if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    raise _Refused(415, "Content-Type must be application/x-www-form-urlencoded")
                form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                return self._answer(record, 200, etsy.token(form))
            operation, path_params = etsy.route(method, parts.path)
            record.operation = operation["operationId"]
            etsy.check_key(self.headers)
            extra_headers, refused = etsy._rate()
            if refused is not None:
                raise refused
            fault = self._fault(record.operation)
            if fault is not None and fault.kind == "status":
                headers = {**extra_headers, **({"retry-after": fault.retry_after} if fault.retry_after else {})}
                return self._answer(record, fault.status, {"error": "Injected failure"}, headers)
            etsy.check_token(operation, self.headers)
            params = etsy.parameters(operation, path_params, parse_qs(parts.query, keep_blank_values=True))
            data = etsy.body(operation, self.headers.get("Content-Type", ""), raw)
            status, body = etsy.apply(record.operation, params, data)
            if fault is not None and fault.kind == "apply_then_drop":
                record.status = -1
                self.close_connection = True
                return
            if fault is not None and fault.kind == "apply_then_status":
                return self._answer(record, fault.status, {"error": "Injected failure"}, extra_headers)
            return self._answer(record, status, body, extra_headers)
        except _Refused as refused:
            headers = dict(extra_headers)
            if "retry_after" in refused.extra:
                headers["retry-after"] = refused.extra["retry_after"]
            body = {"error": refused.message}
            if "error_description" in refused.extra:
                body["error_description"] = refused.extra["error_description"]
            return self._answer(record, refused.status, body, headers)

    def _fault(self, operation: str) -> Fault | None:
        with self.etsy._lock:
            for fault in list(self.etsy.faults):
                if fault.operation in (None, operation):
                    self.etsy.faults.remove(fault)
                    return fault
        return None

    def _redirect(self, record: Recorded, location: str) -> None:
        record.status = 302
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, record: Recorded, status: int, body, headers: dict[str, str] | None = None) -> None:
        record.status = status
        data = b"" if body is None or status == 204 else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
