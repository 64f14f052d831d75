from django import forms

from studio.api.services import EXPIRY_DAYS
from studio.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What will use it, so you know which to revoke, e.g. “Zapier stock alerts”."
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        help_text="Give it only what the automation needs.",
        error_messages={"required": "Pick at least one scope."},
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        choices=[(days, f"{days} days") for days in EXPIRY_DAYS],
        coerce=int,
        initial=90,
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name
