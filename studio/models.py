"""Studio-wide models: the studio profile and background-job progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from studio.permissions import RestrictedQuerySet


class StudioProfile(models.Model):
    """The one studio this installation runs. A row is created on first use."""

    name = models.CharField(max_length=120, default="My studio")
    tagline = models.CharField(max_length=200, blank=True)
    brand_voice = models.TextField(
        blank=True,
        help_text="How the studio speaks: tone, words it likes and avoids. Guides the copywriter.",
    )
    currency = models.CharField(max_length=3, default="GBP", help_text="ISO 4217 code, e.g. GBP, EUR, USD.")
    marketplace_profiles = models.JSONField(
        default=list, blank=True, help_text='Channels the studio sells on, e.g. ["etsy", "shopify"].'
    )
    weekly_making_hours = models.PositiveIntegerField(
        default=0, help_text="Hours per week all makers together spend making (for production plans)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "studio profile"

    def __str__(self) -> str:
        return self.name


class MakerProfile(models.Model):
    """A maker's working week, which production plans fill and never overfill."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="maker_profile")
    weekly_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=20,
        help_text="Hours a week this maker spends making (not packing or admin).",
    )

    owner_field = "user"
    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.weekly_hours} h/week)"


class Job(models.Model):
    """Progress of a long piece of background work, shown as a progress bar.

    One job may fan out into many django-q2 tasks; each reports into the same row
    through services.job_advance, which updates the counters atomically.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        # A task of it is running again after the worker that ran it stopped (studio.taskqueue).
        RESUMING = "resuming", "Resuming"
        SUCCEEDED = "succeeded", "Done"
        PARTIAL = "partial", "Done with errors"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life (created, started, a unit counted, progress reported): a job with none
    # for ATELIER_JOB_STALL_SECONDS is failed by the stalled-jobs check, never left "running".
    updated_at = models.DateTimeField(auto_now=True, null=True)

    owner_field = "created_by"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.PARTIAL, self.Status.FAILED}

    @property
    def kind_label(self) -> str:
        """The kind in plain words: "listing_copy" → "Listing copy"."""
        return self.kind.replace("_", " ").replace("-", " ").strip().capitalize()

    @property
    def duration_label(self) -> str:
        """How long a finished job took, as a person says it: "under a minute", "4 minutes", "1 h 5 min"."""
        if not (self.started_at and self.finished_at):
            return ""
        minutes = round(max(0.0, (self.finished_at - self.started_at).total_seconds()) / 60)
        if minutes < 1:
            return "under a minute"
        if minutes < 60:
            return f"{minutes} minute{'s' if minutes != 1 else ''}"
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * (self.done + self.failed) / self.total))


class JobUnit(models.Model):
    """One counted unit of a job (e.g. "product:12"), so a task that runs twice
    after a worker died doesn't count the same unit twice."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="units")
    key = models.CharField(max_length=120)
    ok = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="job_unit_unique_key")]

    def __str__(self) -> str:
        return f"{self.key} ({'ok' if self.ok else 'failed'})"


class JobTask(models.Model):
    """A django-q2 task of a job that a worker has started and not yet ended (studio.taskqueue).

    Found again when the task starts: the worker that ran it died, so the job is resuming.
    """

    task_id = models.CharField(max_length=64, unique=True)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="tasks")
    attempts = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task_id} (attempt {self.attempts})"


class ApiToken(models.Model):
    """A personal API token: it acts as its user, limited to its scopes, until it expires or is revoked.

    Only the SHA-256 of the secret is stored; the secret is shown once, when it is made.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read (GET)"
        WRITE = "write", "Write (create, edit, start work)"
        DECIDE = "decide", "Decide (approve or reject drafts)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What uses it, e.g. “Zapier stock alerts”.")
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    owner_field = "user"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.is_expired() else "active"

    @property
    def scope_labels(self) -> list[str]:
        return [scope for scope in self.Scope.values if scope in self.scopes]


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed for the same key and body (per user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=500, blank=True)
    body = models.BinaryField(blank=True, default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in flight'})"


class SignInFailure(models.Model):
    """Wrong passwords in a row for one username from one address (studio.signin throttles on it)."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="signin_failure_unique")]

    def __str__(self) -> str:
        return f"{self.username} from {self.address}: {self.count}"


class MakerFigures(models.Model):
    """One app's dashboard figures for one maker (product and variant counts, units sold...), summed in the
    background (studio.figures), so the dashboard reads a few rows rather than aggregating the catalogue.

    A row with no maker stamps when the figures of `name` were last stored."""

    maker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    values = models.JSONField(default=dict)
    computed_from = models.DateTimeField(help_text="When the refresh that stored them began.")

    owner_field = "maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "maker"], name="maker_figures_name_maker"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(maker__isnull=True), name="maker_figures_one_stamp"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.maker_id or 'the stamp'}"
