"""The Etsy-only facts of one product; empty fields fall back to its category's."""

from __future__ import annotations

from django import forms

from channels.etsy.models import EtsyFacts
from channels.etsy.vocab import WHEN_MADE, WHO_MADE

# The largest values the columns hold (PostgreSQL integer and bigint): beyond them saving fails with a 500.
INTEGER_MAX, BIGINT_MAX = 2**31 - 1, 2**63 - 1
SUPPLY = (("", "As the category says"), ("no", "A finished item"), ("yes", "A supply or tool"))


class EtsyFactsForm(forms.Form):
    who_made = forms.ChoiceField(label="Who made it", choices=(("", "As the category says"), *WHO_MADE), required=False)
    when_made = forms.ChoiceField(
        label="When was it made", choices=(("", "As the category says"), *WHEN_MADE), required=False
    )
    is_supply = forms.ChoiceField(label="What is it", choices=SUPPLY, required=False)
    taxonomy_id = forms.IntegerField(
        label="Etsy category (taxonomy id)", min_value=1, max_value=INTEGER_MAX, required=False
    )
    shipping_profile_id = forms.IntegerField(
        label="Etsy shipping profile id", min_value=1, max_value=BIGINT_MAX, required=False
    )
    personalisation_question = forms.CharField(
        label="Personalisation question",
        max_length=255,
        required=False,
        help_text="e.g. Name to engrave; empty when not personalised.",
    )
    personalisation_max_chars = forms.IntegerField(
        label="Characters the buyer may write", min_value=1, max_value=1024, required=False
    )
    personalisation_required = forms.BooleanField(label="The buyer must answer", required=False)

    def __init__(self, *args, product, **kwargs) -> None:
        self.product = product
        facts = EtsyFacts.objects.filter(product=product).first()
        if facts is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "who_made": facts.who_made,
                "when_made": facts.when_made,
                "is_supply": "" if facts.is_supply is None else ("yes" if facts.is_supply else "no"),
                "taxonomy_id": facts.taxonomy_id,
                "shipping_profile_id": facts.shipping_profile_id,
                "personalisation_question": facts.personalisation_question,
                "personalisation_max_chars": facts.personalisation_max_chars or None,
                "personalisation_required": facts.personalisation_required,
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("personalisation_question") and not data.get("personalisation_max_chars"):
            self.add_error("personalisation_max_chars", "Say how many characters the buyer may write.")
        return data

    def save(self) -> EtsyFacts:
        data = self.cleaned_data
        facts, _ = EtsyFacts.objects.get_or_create(product=self.product)
        facts.who_made = data["who_made"]
        facts.when_made = data["when_made"]
        facts.is_supply = {"": None, "no": False, "yes": True}[data["is_supply"]]
        facts.taxonomy_id = data["taxonomy_id"]
        facts.shipping_profile_id = data["shipping_profile_id"]
        facts.personalisation_question = data["personalisation_question"].strip()
        facts.personalisation_max_chars = data["personalisation_max_chars"] or 0
        facts.personalisation_required = data["personalisation_required"]
        facts.save()
        return facts
