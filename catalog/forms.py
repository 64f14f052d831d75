import re

from django import forms
from django.template.defaultfilters import filesizeformat

from catalog.models import Product
from studio.validators import NUL_MESSAGE, contains_nul

MAX_FILES_PER_UPLOAD = 20


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>; each is judged later, on its own, by intake."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        files = [upload for upload in files if upload]
        if not files and self.required:
            raise forms.ValidationError("Choose one or more photos to upload.", code="required")
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                f"Upload at most {MAX_FILES_PER_UPLOAD} photos at a time; you chose {len(files)}.", code="too_many"
            )
        # Emptiness, size and format are intake's to judge, per file, with the file's name in the message.
        return files

    def has_changed(self, initial, data):
        return bool(data)


class PhotoUploadForm(forms.Form):
    photos = MultipleFileField(label="Photos")

    def __init__(self, *args, max_bytes: int, formats: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = (
            f"{formats}, up to {filesizeformat(max_bytes)} each. Choose several at once: each photo is checked on its "
            "own, so good ones are kept even if another is refused."
        )
        self.fields["photos"].widget.attrs["aria-describedby"] = "id_photos_help"


LIST_ITEMS_MAX, LIST_ITEM_CHARS = 20, 60


class ListField(forms.CharField):
    """A list of short facts typed one per line or separated by commas ("stoneware, celadon glaze")."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        items, seen = [], set()
        for raw in re.split(r"[,\n]", text or ""):
            item = " ".join(raw.split())
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                items.append(item)
        return items

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > LIST_ITEMS_MAX:
            raise forms.ValidationError(f"At most {LIST_ITEMS_MAX} entries; you gave {len(value)}.", code="too_many")
        long = [item for item in value if len(item) > LIST_ITEM_CHARS]
        if long:
            raise forms.ValidationError(
                f"Keep each entry under {LIST_ITEM_CHARS} characters: “{long[0][:LIST_ITEM_CHARS]}…”.", code="too_long"
            )

    def run_validators(self, value):
        if contains_nul(value):
            raise forms.ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")


class ProductFactsForm(forms.ModelForm):
    """The maker's facts about a product, on the product page (phone first); prices only for shop managers.

    The copywriter writes from these facts only, so they are the maker's to state.
    """

    materials = ListField(
        required=False, help_text="One per line or separated by commas, e.g. stoneware, celadon glaze."
    )
    techniques = ListField(required=False, help_text="e.g. wheel-thrown, reduction fired.")

    class Meta:
        model = Product
        fields = [
            "title",
            "materials",
            "techniques",
            "dimensions",
            "weight_grams",
            "care",
            "story",
            "made_to_order",
            "lead_time_days",
            "minutes_per_unit",
            "batch_size",
            "price",
            "unit_cost",
        ]
        labels = {
            "weight_grams": "Weight (g)",
            "lead_time_days": "Days from order to dispatch",
            "minutes_per_unit": "Making time per piece (minutes)",
            "batch_size": "Pieces per batch or firing",
            "unit_cost": "Cost of one piece",
        }
        widgets = {
            "care": forms.Textarea(attrs={"rows": 3}),
            "story": forms.Textarea(attrs={"rows": 4}),
            "weight_grams": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "lead_time_days": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "minutes_per_unit": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "batch_size": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        }

    def __init__(self, *args, may_price: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_price:  # prices are the shop manager's: an artisan sees them on the page, not here
            del self.fields["price"], self.fields["unit_cost"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("made_to_order") and not cleaned.get("lead_time_days"):
            self.add_error("lead_time_days", "A made-to-order piece needs the days from order to dispatch.")
        return cleaned
