from django import forms

from automation.payloads import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL", max_length=2000, assume_scheme="https", help_text="Where Atelier POSTs the events (https://…)."
    )
    description = forms.CharField(label="Name", max_length=200, required=False, help_text="e.g. Make: Slack post")
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=[(name, name) for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this endpoint receives.",
    )
    header_name = forms.CharField(
        label="Static header name",
        max_length=100,
        required=False,
        help_text="Optional, for tools that check a header rather than a signature (n8n, Make).",
    )
    header_value = forms.CharField(
        label="Static header value",
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Kept secret: never shown again. Leave empty to keep the current value.",
    )
    allow_lan = forms.BooleanField(
        label="Allow a LAN target (plain http, private address), e.g. a self-hosted n8n",
        required=False,
    )


class DisableForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
