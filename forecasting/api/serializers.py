from rest_framework import serializers

from forecasting.models import Sale


class SaleSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)

    class Meta:
        model = Sale
        fields = ["id", "sku", "date", "quantity", "unit_price", "channel", "order_ref", "line_ref"]
        read_only_fields = fields
