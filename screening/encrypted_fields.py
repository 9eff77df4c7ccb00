"""EncryptedJSONField: a JSON value stored as a Fernet token in a text column (review D5).

Model code reads and writes dicts as with models.JSONField; the database holds only ciphertext. Such a column
cannot be searched, filtered or ordered on in SQL (the ciphertext of equal values differs every time), so
lookups other than `isnull` raise FieldError: filter on the plain columns that hold no special-category data
(reference, country_of_origin, status, the ScreeningOutcome rows) instead.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from .encryption import decrypt_text, encrypt_text


class EncryptedJSONField(models.TextField):
    description = "JSON, encrypted at rest (Fernet)"
    empty_strings_allowed = False

    def _label(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}" if hasattr(self, "model") else "an encrypted column"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt_text(value, label=self._label()))

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def to_python(self, value):
        return value  # already a JSON value (forms, deserialisation): decrypting happens in from_db_value only

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self._label()} is encrypted: it cannot be filtered on in SQL (lookup {lookup_name!r}); "
                "filter on a plain column instead."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, name):
        raise FieldError(f"{self._label()} is encrypted: the key {name!r} cannot be looked up in SQL.")

    def formfield(self, **kwargs):
        return super(models.TextField, self).formfield(**{"form_class": forms.JSONField, **kwargs})
