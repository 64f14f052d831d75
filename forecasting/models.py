"""Market signals: sales history (later also forecasts, plans, reviews)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from studio.permissions import RestrictedQuerySet
from studio.sales_channels import SalesChannel


class Sale(models.Model):
    """One order line. Refunds are negative quantities on their own line reference.

    (channel, order_ref, line_ref) is unique, so importing the same file twice
    adds nothing.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="sales")
    date = models.DateField()
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    order_ref = models.CharField(max_length=64)
    line_ref = models.CharField(max_length=64, default="1")
    personalisation = models.TextField(
        blank=True, help_text="The buyer's text for a personalised piece, as the channel sent it."
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    owner_field = "variant__product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "order_ref", "line_ref"], name="sale_unique_order_line"),
        ]
        indexes = [models.Index(fields=["variant", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant.sku} on {self.date}"


class SalesImport(models.Model):
    """One upload of a sales file and the report it produced, kept so the report can be revisited.

    Recorded for every attempt (a check-only run, a rejected file, a refused file
    too): the report is the answer to "what happened to my file?".
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        CHECKED = "checked", "Checked only"
        IMPORTED = "imported", "Imported"
        REJECTED = "rejected", "Nothing imported (bad rows)"
        FAILED = "failed", "File refused"

    class Mode(models.TextChoices):
        GOOD_ROWS = "good_rows", "Import the good rows, report the bad ones"
        ALL_OR_NOTHING = "all_or_nothing", "Import nothing if any row is bad"

    class Format(models.TextChoices):
        SHOPIFY = "shopify", "Shopify orders export"
        ETSY = "etsy", "Etsy sold order items"
        PLAIN = "plain", "Plain CSV (date, sku, quantity)"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sales_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_format = models.CharField(max_length=16, choices=Format.choices, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.GOOD_ROWS)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_already_imported = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    rows_unknown_sku = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    # The background run (forecasting/imports/service.py): the stored upload, the job
    # whose progress bar the page shows, and the checkpoint a resumed run starts from.
    job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_format = models.CharField(max_length=16, default="auto")
    stored_file = models.CharField(max_length=255, blank=True, help_text="The upload, in SALES_IMPORT_DIR.")
    checkpoint = models.JSONField(default=dict, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    owner_field = "created_by"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.RUNNING}


class StagedSale(models.Model):
    """A checked sale line of an import in progress, waiting to be written to Sale.

    The staging table is how "all or nothing" works without one long transaction:
    every row is checked and staged in short transactions, and only when the whole
    file passed are the staged lines moved to Sale, a chunk at a time (a chunk's
    insert and its removal from here commit together, so a resumed run neither
    loses nor repeats a line). `stored` marks a line that was already in Sale.
    """

    sales_import = models.ForeignKey(SalesImport, on_delete=models.CASCADE, related_name="staged")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    order_ref = models.CharField(max_length=64)
    line_ref = models.CharField(max_length=64)
    stored = models.BooleanField(default=False)
    content_key = models.BigIntegerField(null=True, blank=True)  # plain CSV rows: formats.plain_content_key

    class Meta:
        indexes = [models.Index(fields=["sales_import", "content_key"], name="staged_sale_content")]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_import", "channel", "order_ref", "line_ref"], name="staged_sale_unique_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × variant {self.variant_id} on {self.date} (import {self.sales_import_id})"


class Forecast(models.Model):
    """The latest demand forecast of one variant, refit nightly and on demand.

    `values` holds the forecast periods: {"dates": [...], "mean", "p10", "p50", "p90"};
    the chosen method, the series' demand class and the method's holdout error are
    kept beside it so a page can say why this forecast looks the way it does.
    """

    variant = models.OneToOneField("catalog.Variant", on_delete=models.CASCADE, related_name="forecast")
    freq = models.CharField(max_length=1, default="W", help_text="D, W or M buckets.")
    horizon = models.PositiveSmallIntegerField(default=12)
    method = models.CharField(max_length=80)
    demand_class = models.CharField(max_length=16, blank=True)
    adi = models.FloatField(null=True, blank=True, help_text="Average demand interval (periods between sales).")
    cv2 = models.FloatField(null=True, blank=True, help_text="Squared coefficient of variation of non-zero demand.")
    values = models.JSONField(default=dict)
    validation_error = models.FloatField(null=True, blank=True, help_text="RMSSE of the method on its holdout.")
    history_periods = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField()
    owner_field = "variant__product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["variant"]

    def __str__(self) -> str:
        return f"{self.method} forecast for {self.variant.sku}"

    @property
    def total_mean(self) -> float:
        return float(sum(self.values.get("mean", [])))


class ProductionPlan(models.Model):
    """A maker's production plan for the coming weeks: a draft in the review queue.

    The approved snapshot is the schedule. `plan` is forecasting.planning's
    ProductionPlan.to_dict() restricted to this maker.
    """

    class Status(models.TextChoices):
        READY = "ready", "Waiting for review"
        FAILED = "failed", "Failed"

    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="production_plans")
    week_start = models.DateField(help_text="Monday of the plan's first week.")
    weeks = models.PositiveSmallIntegerField(default=4)
    service_level = models.FloatField(default=0.95)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.READY)
    plan = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "maker"]
        constraints = [models.UniqueConstraint(fields=["maker", "week_start"], name="production_plan_unique_week")]

    def __str__(self) -> str:
        return f"Production plan from {self.week_start:%d %b %Y}"


class RaisedStockAlert(models.Model):
    """A stock alert already told to subscribers (webhooks), so a nightly refit doesn't tell it again.

    The row goes when the alert clears; an alert that comes back, or grows more
    severe, is told again.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="raised_alerts")
    kind = models.CharField(max_length=32)
    severity = models.CharField(max_length=12)
    raised_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "kind"], name="raised_stock_alert_unique")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) on {self.variant_id}"


class StockAlertStamp(models.Model):
    """What a forecast's stored alerts (StockAlertRow) were computed from.

    When any of these differs from the variant, product, sales or fit of now, or the day moved,
    the forecast's alerts are computed again (forecasting.stored_alerts). A table of its own, so
    storing thousands is an insert, not an UPDATE of as many forecast rows.
    """

    forecast = models.OneToOneField(Forecast, on_delete=models.CASCADE, primary_key=True, related_name="alert_stamp")
    computed_on = models.DateField()
    fitted_at = models.DateTimeField()
    stock_on_hand = models.IntegerField()
    work_in_progress = models.IntegerField()
    last_sale = models.DateField(null=True, blank=True)
    sku = models.CharField(max_length=64)
    variant_title = models.CharField(max_length=120, blank=True)
    product_updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"alerts of forecast {self.forecast_id} as of {self.computed_on}"


class StockAlertState(models.Model):
    """How current the stored stock alerts are: one row for the studio, so a page knows without scanning.

    Writes that change an alert's inputs (sales, orders, stock and product edits, refits) set
    `changed_at` in their own transaction and queue a refresh; the refresh (a background task)
    finds what changed by the stamps and records when it began (`computed_from`) and the day
    (`computed_on`). The rows are current when nothing changed since the last refresh began,
    on the same day; otherwise a page shows them saying they are being refreshed.
    """

    computed_on = models.DateField(null=True, blank=True)
    computed_from = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"stock alerts as of {self.computed_from}"

    def is_current(self, today) -> bool:
        if self.computed_on != today or self.computed_from is None:
            return False
        return self.changed_at is None or self.changed_at < self.computed_from


class ForecastAccuracyRow(models.Model):
    """The forecasts of one maker with one demand class and method, summed, so the forecasts page reads a
    few rows instead of aggregating every forecast; written with the stored alerts (forecasting.stored_alerts)."""

    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    demand_class = models.CharField(max_length=16, blank=True)
    method = models.CharField(max_length=80)
    variants = models.PositiveIntegerField()
    tested = models.PositiveIntegerField()  # with a holdout error
    error_sum = models.FloatField()
    worse_than_naive = models.PositiveIntegerField()  # holdout error above 1
    fitted_at = models.DateTimeField(null=True)  # the newest fit among them

    owner_field = "maker"
    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.method} / {self.demand_class} of {self.maker_id}"


class StockAlertCount(models.Model):
    """How many stored alerts of active products a maker has, as of the last refresh: a page that is current
    reads this row (or sums a few) instead of counting every StockAlertRow (forecasting.stored_alerts)."""

    maker = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    alerts = models.PositiveIntegerField()

    owner_field = "maker"
    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.alerts} alerts of {self.maker_id}"


class StockAlertRow(models.Model):
    """One stored stock alert (forecasting.alerts.StockAlert), so pages read the few they show.

    Rows are written by forecasting.stored_alerts from the same rules as before, for the forecasts
    whose inputs changed (the stamp on Forecast); the sort columns repeat stock_alerts' sort key.
    """

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="alert_rows")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    severity = models.CharField(max_length=12)
    severity_rank = models.PositiveSmallIntegerField()
    kind_rank = models.PositiveSmallIntegerField()
    sort_order = models.FloatField()
    title_lower = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    product_id = models.IntegerField()
    product_title = models.CharField(max_length=255)
    message = models.TextField()
    detail = models.JSONField(default=dict)

    owner_field = "variant__product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "kind"], name="stock_alert_row_unique")]
        indexes = [
            models.Index(
                fields=["severity_rank", "kind_rank", "sort_order", "title_lower", "sku", "variant"],
                name="stock_alert_row_sort",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) on {self.variant_id}"
