from django import forms
from django.template.defaultfilters import filesizeformat

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
