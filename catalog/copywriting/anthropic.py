"""The Claude copywriter: listing copy from the Anthropic Messages API, checked like any other draft.

`anthropic` is imported inside the methods (validating the settings imports
this module, and a web process that never writes copy shouldn't load it); the
client is made once per process, on first use, after the worker forked.

One listing: one request whose answer is forced through the `write_listing`
tool (catalog.copywriting.prompting builds it). An answer that fails the schema
or the checks gets exactly one repair request quoting what was wrong; a second
bad answer is an error, so the service marks the draft failed and nothing
half-written reaches the queue. The SDK retries 429/5xx/timeouts itself
(honouring retry-after) up to `max_retries`; what's left is raised as
ClaudeError with a message a shop manager can act on.

Many listings: `write_many` submits one Message Batch (half the price; the
cached system prefix is shared), `collect` reads its results once it ended.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from catalog.copywriting import prompting
from catalog.copywriting.base import BatchCopywriter, ListingBrief, ListingCopy
from studio.backends import BackendOptionsError, Option, TaskQueue

logger = logging.getLogger(__name__)

API_KEY_ENV = "ANTHROPIC_API_KEY"
# Forced tool_choice needs a model that accepts it: Sonnet 4.6 and Haiku 4.5 do; Sonnet 5.5 rejects forced tool
# use and models that think by default reject it with thinking on (see the model's migration guide).
DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_TIMEOUT = 60
DEFAULT_MAX_RETRIES = 3
DEFAULT_BATCH_THRESHOLD = 20
CONNECT_TIMEOUT = 5.0


class ClaudeError(Exception):
    """Claude couldn't write the listing; the message says why and what to do."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BatchNotEnded(ClaudeError):
    """The batch is still being processed; poll again later."""


class AnthropicCopywriter(BatchCopywriter):
    """Listing copy by Claude (ATELIER_COPYWRITER=anthropic); options come from the ANTHROPIC_* variables."""

    note_help = "Claude reads your note as you write it: say what should change and why."

    task_chunk = 1  # one product per task: a task's worst case (2 requests × retries × timeout) stays < Q_TIMEOUT
    batch_max_polls = 26 * 60  # Message Batches end (or expire) within 24 h; past 26 h of polling, give up
    option_specs = (
        # The key stays in the environment: start-up checks it is there, the client reads it (never settings).
        Option("api_key", env=API_KEY_ENV, required=True, secret=True, help="an Anthropic API key"),
        Option("model", env="ANTHROPIC_MODEL", default=DEFAULT_MODEL, help="must accept a forced tool call"),
        Option(
            "timeout", env="ANTHROPIC_TIMEOUT", type=int, default=DEFAULT_TIMEOUT, minimum=1, help="seconds per request"
        ),
        Option("max_retries", env="ANTHROPIC_MAX_RETRIES", type=int, default=DEFAULT_MAX_RETRIES, minimum=0),
        Option(
            "batch_threshold",
            env="ANTHROPIC_BATCH_THRESHOLD",
            type=int,
            default=DEFAULT_BATCH_THRESHOLD,
            minimum=1,
            help="jobs this big go through the Message Batches API",
        ),
        Option("base_url", env="ANTHROPIC_BASE_URL", default="", help="a proxy or test endpoint instead of Anthropic"),
    )

    @classmethod
    def validate_options(
        cls, options: Mapping[str, Any], *, queue: TaskQueue, environ: Mapping[str, str] = os.environ
    ) -> None:
        """The declared options, and one listing's worst wait kept under the task timeout."""
        super().validate_options(options, queue=queue, environ=environ)
        timeout = options.get("timeout", DEFAULT_TIMEOUT)
        retries = options.get("max_retries", DEFAULT_MAX_RETRIES)
        # One listing is at most two requests (the answer and one repair), each tried 1 + max_retries times.
        worst = 2 * (retries + 1) * timeout
        if queue.timeout is not None and worst >= queue.timeout:
            raise BackendOptionsError(
                f"ANTHROPIC_TIMEOUT={timeout:g} with ANTHROPIC_MAX_RETRIES={retries} can keep one listing waiting "
                f"{worst:g} s, not less than Q_TIMEOUT={queue.timeout}; lower them or raise Q_TIMEOUT."
            )

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        batch_threshold: int = DEFAULT_BATCH_THRESHOLD,
        base_url: str = "",
        max_tokens: int = prompting.MAX_TOKENS,
        http_client: Any = None,
    ) -> None:
        super().__init__(
            model=model,
            timeout=timeout,
            max_retries=max_retries,
            batch_threshold=batch_threshold,
            base_url=base_url,
            max_tokens=max_tokens,
        )
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.batch_threshold = int(batch_threshold)
        self.base_url = base_url or None
        self.max_tokens = int(max_tokens)
        self._http_client = http_client  # tests pass an httpx2.Client with a mock transport
        self._client = None
        self._lock = threading.Lock()

    # --- the client -------------------------------------------------------------------

    def client(self):
        """The process's one Anthropic client (created on first use)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self):
        import anthropic
        import httpx2

        api_key = os.environ.get(API_KEY_ENV, "").strip()
        if not api_key:
            raise ClaudeError(f"{API_KEY_ENV} is not set, so the Claude copywriter can't sign in.")
        return anthropic.Anthropic(
            api_key=api_key,
            base_url=self.base_url,
            timeout=httpx2.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT, self.timeout)),
            max_retries=self.max_retries,
            http_client=self._http_client,
        )

    # --- one listing ------------------------------------------------------------------

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        params = prompting.request_params(brief, model=self.model, max_tokens=self.max_tokens)
        message = self._create(params)
        return self._accept(brief, params, message.content, message.stop_reason)

    def _create(self, params: dict[str, Any]):
        import anthropic

        try:
            return self.client().messages.create(**params)
        except anthropic.AnthropicError as exc:
            raise self._domain_error(exc) from exc

    def _accept(self, brief: ListingBrief, params: dict[str, Any], content, stop_reason) -> ListingCopy:
        """Validate an answer; repair it once if it fails the schema or the checks."""
        copy, errors = self._judge(brief, content, stop_reason)
        if copy is not None:
            return copy
        logger.info("Claude's listing for %r failed validation, asking once more: %s", brief.title, errors)
        repair = prompting.repair_params(params, prompting.content_params(content), errors)
        message = self._create(repair)
        copy, again = self._judge(brief, message.content, message.stop_reason)
        if copy is not None:
            return copy
        raise ClaudeError("Claude's listing still failed the checks after one correction: " + " ".join(again))

    @staticmethod
    def _judge(brief: ListingBrief, content, stop_reason) -> tuple[ListingCopy | None, list[str]]:
        data, errors = prompting.tool_input(content, stop_reason)
        if data is None:
            return None, errors
        return prompting.validate(data, brief)

    def _domain_error(self, exc: Exception) -> ClaudeError:
        """The SDK's exception (after its own retries) as a message a person can act on."""
        import anthropic

        if isinstance(exc, anthropic.APITimeoutError):
            return ClaudeError(f"Claude did not answer within {self.timeout:g} s (tried {self.max_retries + 1} times).")
        if isinstance(exc, anthropic.RateLimitError):
            wait = _retry_after(exc.response)
            when = f"try again in {wait:g} s" if wait is not None else "try again in a minute"
            return ClaudeError(f"Claude is rate-limiting us; {when}.", retry_after=wait)
        if isinstance(exc, anthropic.AuthenticationError):
            return ClaudeError(f"Claude refused the API key; check {API_KEY_ENV}.")
        if isinstance(exc, anthropic.PermissionDeniedError):
            return ClaudeError(f"Claude refused this request for the account ({_api_message(exc)}).")
        if isinstance(exc, anthropic.APIStatusError) and exc.status_code >= 500:
            return ClaudeError(
                f"Claude had a server error (HTTP {exc.status_code}) after {self.max_retries + 1} tries; try again later."
            )
        if isinstance(exc, anthropic.BadRequestError):
            detail = _api_message(exc)
            hint = ""
            if "tool_choice" in detail or "tool use" in detail.lower():
                hint = (
                    f" The model {self.model!r} doesn't accept a forced tool call; set ANTHROPIC_MODEL to one "
                    f"that does, such as {DEFAULT_MODEL!r}."
                )
            return ClaudeError(f"Claude refused the request: {detail}.{hint}")
        if isinstance(exc, anthropic.NotFoundError):
            return ClaudeError(f"Claude doesn't know that (HTTP 404: {_api_message(exc)}); check ANTHROPIC_MODEL.")
        if isinstance(exc, anthropic.APIStatusError):
            return ClaudeError(f"Claude answered HTTP {exc.status_code}: {_api_message(exc)}.")
        if isinstance(exc, anthropic.APIConnectionError):
            return ClaudeError("Couldn't reach Claude (connection failed); check the network or ANTHROPIC_BASE_URL.")
        return ClaudeError(f"The Claude client failed: {exc}")

    # --- many listings: Message Batches ------------------------------------------------

    def write_many(self, briefs: Mapping[str, ListingBrief]) -> str:
        """Submit one Message Batch, a request per brief under its custom_id; returns the batch id."""
        import anthropic

        requests = [
            {
                "custom_id": custom_id,
                "params": prompting.request_params(brief, model=self.model, max_tokens=self.max_tokens),
            }
            for custom_id, brief in briefs.items()
        ]
        try:
            batch = self.client().messages.batches.create(requests=requests)
        except anthropic.AnthropicError as exc:
            raise self._domain_error(exc) from exc
        return batch.id

    def batch_ended(self, batch_id: str) -> bool:
        import anthropic

        try:
            return self.client().messages.batches.retrieve(batch_id).processing_status == "ended"
        except anthropic.AnthropicError as exc:
            raise self._domain_error(exc) from exc

    def collect(
        self, batch_id: str, *, briefs: Mapping[str, ListingBrief] | None = None
    ) -> dict[str, ListingCopy | ClaudeError]:
        """Each request's copy, or the error that stopped it, by custom_id.

        With `briefs`, an answer that fails validation gets its one repair as a
        plain request (a batch has no second turn); without, it is an error.
        Raises BatchNotEnded while the batch is still running.
        """
        import anthropic

        try:
            if not self.batch_ended(batch_id):
                raise BatchNotEnded(f"Claude's batch {batch_id} is still being processed.")
            lines = list(self.client().messages.batches.results(batch_id))
        except anthropic.AnthropicError as exc:
            raise self._domain_error(exc) from exc

        results: dict[str, ListingCopy | ClaudeError] = {}
        for line in lines:
            results[line.custom_id] = self._batch_result(line, (briefs or {}).get(line.custom_id))
        for custom_id in briefs or {}:
            results.setdefault(
                custom_id, ClaudeError("Claude's batch returned nothing for this listing; write it again.")
            )
        return results

    def _batch_result(self, line, brief: ListingBrief | None) -> ListingCopy | ClaudeError:
        result = line.result
        if result.type == "errored":
            error = getattr(result.error, "error", None)
            kind = getattr(error, "type", "error")
            detail = getattr(error, "message", "") or "no details"
            return ClaudeError(f"Claude couldn't write this one in the batch ({kind}: {detail}).")
        if result.type == "expired":
            return ClaudeError("Claude's batch expired (24 h) before this listing was written; write it again.")
        if result.type == "canceled":
            return ClaudeError("Claude's batch was cancelled before this listing was written; write it again.")
        message = result.message
        if brief is None:
            return ClaudeError(f"The batch answered {line.custom_id!r}, which this job didn't ask for.")
        params = prompting.request_params(brief, model=self.model, max_tokens=self.max_tokens)
        try:
            return self._accept(brief, params, message.content, message.stop_reason)
        except ClaudeError as exc:
            return exc


def _retry_after(response) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return round(float(headers.get(name)) * scale, 3)
        except (TypeError, ValueError):
            continue
    return None


def _api_message(exc: Exception) -> str:
    return str(getattr(exc, "api_message", None) or getattr(exc, "message", None) or exc).strip().rstrip(".")
