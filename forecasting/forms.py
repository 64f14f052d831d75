from django import forms

from forecasting.imports.service import import_size_limit, too_large_message
from forecasting.models import SalesImport

FORMAT_CHOICES = [("auto", "Detect from the header row"), *SalesImport.Format.choices]


class SalesImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # the import explains an empty file in its report
        label="Sales file (CSV)",
        help_text="A Shopify orders export, an Etsy sold order items CSV, or a plain CSV with date,sku,quantity.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    file_format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial="auto")
    mode = forms.ChoiceField(
        label="What to do with bad rows",
        choices=SalesImport.Mode.choices,
        initial=SalesImport.Mode.GOOD_ROWS,
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(
        label="Check only: show the report, import nothing",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_size_limit()
        if upload.size > limit:
            raise forms.ValidationError(too_large_message(upload.size, limit))
        return upload
