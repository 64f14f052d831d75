"""Forms of the review queue: they parse a decision, the service makes it."""

from __future__ import annotations

from typing import Any

from django import forms

from approvals.registry import DraftKind
from studio.parsing import ascii_int

APPROVE, REJECT, EDIT = "approve", "reject", "edit"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(APPROVE, "Approve"), (REJECT, "Reject"), (EDIT, "Save edits and approve")])
    seen_hash = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note",
        help_text="Why? The note is kept in the audit trail.",
    )
    retry = forms.BooleanField(required=False, label="Try again with this note")
    anyway = forms.BooleanField(required=False, label="I looked at what was flagged: approve it anyway")
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind: DraftKind, snapshot: dict[str, Any], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.snapshot = snapshot
        self.list_fields: set[str] = set()
        self.read_edits: dict[str, Any] = {}
        for name, limit in kind.editable_fields.items():
            if name in kind.edit_readers:
                continue
            current = snapshot.get(name, "")
            label = name.replace("_", " ").capitalize().replace("Seo", "SEO")
            attrs: dict[str, Any] = {"data-counter": "", "autocomplete": "off"}
            if limit:
                attrs["data-limit"] = limit
            if name in kind.rich_text:
                attrs["data-rich-text"] = ",".join(sorted(kind.rich_text[name]))
            if isinstance(current, list):
                self.list_fields.add(name)
                initial = ", ".join(str(value) for value in current)
                widget = forms.TextInput(attrs=attrs)
                help_text = "Comma-separated."
            elif name in kind.rich_text:
                initial, widget = current, forms.Textarea(attrs={**attrs, "rows": 10})
                help_text = "Bold, italic and lists; pasted text keeps its words, not its formatting."
            elif not limit or limit > 200:  # unlimited or long text gets room to read
                initial, widget, help_text = current, forms.Textarea(attrs={**attrs, "rows": 6}), ""
            else:
                initial, widget, help_text = current, forms.TextInput(attrs=attrs), ""
            # No max_length here: the service answers an over-long edit with the limit in words.
            self.fields[f"edit_{name}"] = forms.CharField(
                required=False, label=label, initial=initial, widget=widget, help_text=help_text, strip=True
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == EDIT:
            for name, read in self.kind.edit_readers.items():
                try:
                    self.read_edits[name] = read(self.data, self.snapshot.get(name))
                except forms.ValidationError as exc:
                    self.add_error(None, exc)
        return cleaned

    def approve_options(self) -> dict[str, bool]:
        """The reviewer's choices among the kind's approve options: on unless posted as off
        (the page sends a hidden "0" before each checkbox, so an unticked box says so)."""
        chosen = {}
        for name in self.kind.approve_options:
            raw = self.data.get(f"option_{name}")
            chosen[name] = raw is None or str(raw).strip().lower() not in {"", "0", "off", "false", "no"}
        return chosen

    def edit_fields(self):
        return [self[f"edit_{name}"] for name in self.kind.editable_fields if name not in self.kind.edit_readers]

    def edits(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """Only fields whose value differs from the snapshot the reviewer saw.

        A field missing from the post is left as it was (never emptied), and
        browsers' CRLF line endings in a textarea are not an edit.
        """
        changed: dict[str, Any] = {}
        for name, value in self.read_edits.items():
            if value != snapshot.get(name):
                changed[name] = value
        for name in self.kind.editable_fields:
            if name in self.kind.edit_readers:
                continue
            if f"edit_{name}" not in self.data:
                continue
            raw = self.cleaned_data.get(f"edit_{name}", "").replace("\r\n", "\n")
            current = snapshot.get(name, [] if name in self.list_fields else "")
            if name in self.list_fields:
                value: Any = [part.strip() for part in raw.split(",") if part.strip()]
                if value != current:
                    changed[name] = value
            elif raw != str(current if current is not None else "").replace("\r\n", "\n").strip():
                changed[name] = raw
        return changed


class SelectionField(forms.MultipleChoiceField):
    """Checkbox values "id:hash", so a bulk decision binds to the versions on screen."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value: str) -> bool:
        item_id, _, seen_hash = str(value).partition(":")
        return (
            ascii_int(item_id) is not None and len(seen_hash) == 64 and all(c in "0123456789abcdef" for c in seen_hash)
        )

    def clean(self, value):
        values = super().clean(value)
        return [(ascii_int(v.partition(":")[0]), v.partition(":")[2]) for v in values]


class BulkDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(APPROVE, "Approve selected"), (REJECT, "Reject selected")])
    selected = SelectionField(error_messages={"required": "Select at least one draft first."})
    note = forms.CharField(required=False, max_length=2000)
