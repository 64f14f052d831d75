"""Request fields that take only what the schema says, the serializer bases that use them, and the check
that every request serializer does.

DRF's own fields coerce: a CharField stores the number 0 as "0", a BooleanField reads "yes", 1 or "on" as
true, an IntegerField and a primary-key field take the string "12". The OpenAPI schema promises a string,
a boolean and an integer, so a JSON body with anything else is refused with 400. A form or multipart body
(the uploads) carries only text, so there a boolean is the text true or false and a number its digits.
"""

from __future__ import annotations

from django.db import models
from django.http import QueryDict
from rest_framework import serializers


def _from_form(field: serializers.Field) -> bool:
    """Whether the value came from a form or multipart body (all text), not JSON."""
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class TextOnly:
    """A string field that refuses numbers, booleans, lists and objects instead of turning them into text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CharField(TextOnly, serializers.CharField):
    pass


class RegexField(TextOnly, serializers.RegexField):
    pass


class URLField(TextOnly, serializers.URLField):
    pass


class EmailField(TextOnly, serializers.EmailField):
    pass


class SlugField(TextOnly, serializers.SlugField):
    pass


class BooleanField(serializers.BooleanField):
    """true or false: a JSON boolean, or in a form the text true/false (any case)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and _from_form(self) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid")


class WholeNumber:
    """An integer field that refuses booleans, and in JSON strings, instead of reading "12" as 12."""

    default_error_messages = {"invalid": "Must be a whole number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not _from_form(self)):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(WholeNumber, serializers.IntegerField):
    pass


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"incorrect_type": "Must be a row id (a whole number)."}

    def to_internal_value(self, data):
        if (
            isinstance(data, bool)
            or not isinstance(data, (int, str))
            or (isinstance(data, str) and not _from_form(self))
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class SlugRelatedField(TextOnly, serializers.SlugRelatedField):
    pass


STRICT_FIELDS = {
    models.CharField: CharField,
    models.TextField: CharField,
    models.URLField: URLField,
    models.EmailField: EmailField,
    models.SlugField: SlugField,
    models.BooleanField: BooleanField,
    models.IntegerField: IntegerField,
    models.BigIntegerField: IntegerField,
    models.SmallIntegerField: IntegerField,
    models.PositiveIntegerField: IntegerField,
    models.PositiveSmallIntegerField: IntegerField,
    models.PositiveBigIntegerField: IntegerField,
}


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated fields are the strict ones above."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, **STRICT_FIELDS}
    serializer_related_field = PrimaryKeyRelatedField
