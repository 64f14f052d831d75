from rest_framework import serializers

from forecasting.forms import FORMAT_CHOICES
from forecasting.models import Sale, SalesImport


class SaleSerializer(serializers.ModelSerializer):
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
    lines_imported = serializers.IntegerField(help_text="Sale lines stored, reversing lines of cancelled or refunded orders included.")
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


class SalesImportSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    report = SalesImportReportSerializer(read_only=True)

    class Meta:
        model = SalesImport
        fields = [
            "id", "created_at", "created_by", "file_name", "file_size", "file_format", "mode", "dry_run", "status",
            "rows_read", "rows_imported", "rows_already_imported", "rows_bad", "rows_unknown_sku", "report",
        ]
        read_only_fields = fields


class SalesImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The CSV file.")
    file_format = serializers.ChoiceField(choices=[c for c, _ in FORMAT_CHOICES], default="auto")
    mode = serializers.ChoiceField(choices=SalesImport.Mode.choices, default=SalesImport.Mode.GOOD_ROWS)
    dry_run = serializers.BooleanField(default=False, help_text="Check only: report, import nothing.")
