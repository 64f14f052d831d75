from django import forms
from django.contrib import admin

from automation.models import Attempt, Delivery, Endpoint
from automation.netguard import Refused, target_for
from automation.payloads import EVENT_TYPES
from automation.signing import secret_generate


class EndpointAdminForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = Endpoint
        # The secrets are left out: never shown back, never typed in here.
        fields = ["url", "description", "event_types", "header_name", "enabled", "disabled_reason", "allow_lan"]

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url")
        if url:
            try:
                target_for(url, allow_lan=bool(cleaned.get("allow_lan")))
            except Refused as exc:
                self.add_error("url", str(exc))
        unknown = [name for name in cleaned.get("event_types") or [] if name not in EVENT_TYPES]
        if unknown:
            self.add_error("event_types", f"Unknown event type: {', '.join(map(str, unknown))}.")
        return cleaned


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointAdminForm
    list_display = ["__str__", "url", "enabled", "source", "failing_since", "created_at"]
    list_filter = ["enabled", "source"]
    search_fields = ["url", "description"]
    # The secrets are never shown back: the page shows their last characters; rotation happens on the site.
    readonly_fields = [
        "masked_secret",
        "masked_header_value",
        "previous_secret_expires_at",
        "disabled_at",
        "disabled_automatically",
        "failing_since",
        "source",
        "created_by",
    ]

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = secret_generate()
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "outcome", "status_code", "latency_ms", "error", "response_snippet"]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "event_type", "endpoint", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]

    def has_add_permission(self, request) -> bool:
        return False
