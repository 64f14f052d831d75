from rest_framework import serializers

from catalog.api.serializers import DraftReviewSerializer
from forecasting.forms import FORMAT_CHOICES
from forecasting.models import Forecast, ProductionPlan, Sale, SalesImport
from studio.api import fields
from studio.api.fields import StrictModelSerializer
from studio.api.serializers import IdField


class SaleSerializer(StrictModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)

    class Meta:
        model = Sale
        fields = ["id", "sku", "date", "quantity", "unit_price", "channel", "order_ref", "line_ref"]
        read_only_fields = fields


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as a spreadsheet shows it; the header is row 1.")
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True, help_text="The cell as written (cut to 80 characters).")
    message = serializers.CharField(help_text="What is wrong, e.g. \"'two' is not a whole number\".")


class ImportCountsSerializer(serializers.Serializer):
    rows_read = serializers.IntegerField(help_text="Data rows in the file (blank lines not counted).")
    rows_to_import = serializers.IntegerField(help_text="Good rows with at least one line not stored yet.")
    rows_imported = serializers.IntegerField(help_text="Rows stored by this import (0 for a check or a refusal).")
    rows_already_imported = serializers.IntegerField(help_text="Good rows whose lines were all stored before.")
    rows_duplicate = serializers.IntegerField(help_text="Rows repeating an order line seen earlier in the file.")
    rows_bad = serializers.IntegerField(help_text="Rows with at least one problem.")
    rows_unknown_sku = serializers.IntegerField(help_text="Otherwise good rows whose SKU matches no variant.")
    problems = serializers.IntegerField(help_text="Problems in all bad rows (a row can have several).")
    lines_to_import = serializers.IntegerField()
    lines_imported = serializers.IntegerField(
        help_text="Sale lines stored, reversing lines of cancelled or refunded orders included."
    )
    refund_lines = serializers.IntegerField(help_text="Of those, lines with a negative quantity.")


class UnknownSkuSerializer(serializers.Serializer):
    sku = serializers.CharField()
    rows = serializers.IntegerField()
    first_row = serializers.IntegerField()


class SalesImportReportSerializer(serializers.Serializer):
    # A plain string here: one more component with the status enum would give it a hashed name.
    status = serializers.CharField(help_text="The import's status, as in SalesImport.status.")
    summary = serializers.CharField()
    error = serializers.CharField(allow_blank=True, help_text="Why the whole file was refused; empty otherwise.")
    file_name = serializers.CharField()
    file_size = serializers.IntegerField()
    format = serializers.CharField(allow_blank=True)
    format_label = serializers.CharField(allow_blank=True)
    encoding = serializers.CharField(allow_blank=True)
    mode = serializers.ChoiceField(choices=SalesImport.Mode.choices)
    dry_run = serializers.BooleanField()
    counts = ImportCountsSerializer()
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    problems = ImportProblemSerializer(many=True, help_text="The first 1,000 problems.")
    problems_by_column = serializers.DictField(child=serializers.IntegerField())
    unknown_skus = UnknownSkuSerializer(many=True, help_text="Most frequent first; at most 500.")
    unknown_skus_total = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())


class SalesImportSerializer(StrictModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    # Empty while the file is not recognised as any format (a PNG sent as sales, say).
    file_format = serializers.ChoiceField(choices=SalesImport.Format.choices, allow_blank=True, read_only=True)
    report = SalesImportReportSerializer(read_only=True)

    class Meta:
        model = SalesImport
        fields = [
            "id",
            "created_at",
            "created_by",
            "file_name",
            "file_size",
            "file_format",
            "mode",
            "dry_run",
            "status",
            "rows_read",
            "rows_imported",
            "rows_already_imported",
            "rows_bad",
            "rows_unknown_sku",
            "report",
            "job",
        ]
        read_only_fields = fields


class SalesImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The CSV file.")
    file_format = serializers.ChoiceField(choices=[c for c, _ in FORMAT_CHOICES], default="auto")
    mode = serializers.ChoiceField(choices=SalesImport.Mode.choices, default=SalesImport.Mode.GOOD_ROWS)
    dry_run = fields.BooleanField(default=False, help_text="Check only: report, import nothing.")


# --- Forecasts, alerts, plans -----------------------------------------------------------------


class ForecastValuesSerializer(serializers.Serializer):
    """One list per quantity, aligned with `dates`; units per period, never negative."""

    dates = serializers.ListField(child=serializers.DateField(), help_text="Start of each period (Mondays for W).")
    mean = serializers.ListField(child=serializers.FloatField())
    p10 = serializers.ListField(child=serializers.FloatField(), help_text="9 periods in 10 sell at least this.")
    p50 = serializers.ListField(child=serializers.FloatField())
    p90 = serializers.ListField(child=serializers.FloatField(), help_text="9 periods in 10 sell at most this.")


class ForecastSerializer(StrictModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)
    product = serializers.IntegerField(source="variant.product_id", read_only=True)
    product_title = serializers.CharField(source="variant.product.title", read_only=True)
    values = ForecastValuesSerializer(read_only=True)

    class Meta:
        model = Forecast
        fields = [
            "id",
            "variant",
            "sku",
            "product",
            "product_title",
            "freq",
            "horizon",
            "method",
            "demand_class",
            "adi",
            "cv2",
            "values",
            "validation_error",
            "history_periods",
            "fitted_at",
        ]
        read_only_fields = fields


class RefitSerializer(serializers.Serializer):
    variant_ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_empty=False,
        max_length=10000,
        help_text="Refit only these variants; every active variant when left out.",
    )


class AccuracyRowSerializer(serializers.Serializer):
    variants = serializers.IntegerField()
    error = serializers.FloatField(allow_null=True, help_text="Mean holdout error (RMSSE); lower is better.")


class AccuracyByClassSerializer(AccuracyRowSerializer):
    demand_class = serializers.CharField(allow_blank=True, help_text="smooth, erratic, intermittent or lumpy.")


class AccuracyByMethodSerializer(AccuracyRowSerializer):
    method = serializers.CharField()


class ForecastAccuracySerializer(serializers.Serializer):
    overall = AccuracyRowSerializer()
    by_class = AccuracyByClassSerializer(many=True)
    by_method = AccuracyByMethodSerializer(many=True, help_text="The 12 methods forecasting the most variants.")
    fitted_at = serializers.DateTimeField(allow_null=True, help_text="When the newest forecast was fitted.")


class StockAlertSerializer(serializers.Serializer):
    # Plain strings: two more enums would be named after the fields and collide with others.
    kind = serializers.CharField(help_text="stockout_risk, overstock or no_recent_sales.")
    severity = serializers.CharField(help_text="high, medium or low; alerts come most severe first.")
    variant_id = serializers.IntegerField()
    sku = serializers.CharField()
    product_id = serializers.IntegerField()
    product_title = serializers.CharField()
    message = serializers.CharField(help_text='What a maker reads, e.g. "Celadon mug: about 9 days of stock left".')
    detail = serializers.DictField(
        help_text="The numbers behind it, by kind. stockout_risk: stockout_date, days_left, lead_time_days, "
        "stock_on_hand, work_in_progress, weekly_demand. overstock: units, weekly_demand, threshold_weeks, "
        "weeks_of_cover (null when no sales are expected). no_recent_sales: last_sale (null: never sold), "
        "days_since, units, threshold_days."
    )

    def to_representation(self, alert):
        return alert.to_dict()


class ProductionPlanSerializer(StrictModelSerializer):
    maker = serializers.CharField(source="maker.username", read_only=True)
    maker_name = serializers.SerializerMethodField()
    plan = serializers.JSONField(
        read_only=True, help_text="The planner's output for this maker: makers[].weeks[].lines, unplaced, skipped."
    )
    review = DraftReviewSerializer(
        read_only=True,
        allow_null=True,
        help_text="The plan's newest version in the review queue; the approved one is the schedule.",
    )

    class Meta:
        model = ProductionPlan
        fields = [
            "id",
            "maker",
            "maker_name",
            "week_start",
            "weeks",
            "service_level",
            "status",
            "plan",
            "created_at",
            "updated_at",
            "review",
        ]
        read_only_fields = fields

    def get_maker_name(self, plan) -> str:
        return plan.maker.get_full_name() or plan.maker.get_username()
