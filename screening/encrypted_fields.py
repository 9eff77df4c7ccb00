"""Model fields encrypted at rest (review D5): the value is stored as a Fernet token in a text column.

EncryptedJSONField holds a JSON value (model code reads and writes dicts, as with models.JSONField);
EncryptedTextField holds free text (a str, as with models.TextField). The database holds only ciphertext, so such
a column cannot be searched, filtered or ordered on in SQL (the ciphertext of equal values differs every time):
lookups other than `isnull` raise FieldError. Filter on the plain columns that hold no special-category data
(reference, country_of_origin, status, the ScreeningOutcome rows) instead. `manage.py rotate_keys` finds every
field of these classes by itself.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from .encryption import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    description = "Text, encrypted at rest (Fernet)"

    def encode(self, value) -> str:
        return str(value)

    def decode(self, text: str):
        return text

    def _label(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}" if hasattr(self, "model") else "an encrypted column"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.decode(decrypt_text(value, label=self._label()))

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(self.encode(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self._label()} is encrypted: it cannot be filtered on in SQL (lookup {lookup_name!r}); "
                "filter on a plain column instead."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, name):
        raise FieldError(f"{self._label()} is encrypted: {name!r} cannot be looked up in SQL.")


class EncryptedJSONField(EncryptedTextField):
    description = "JSON, encrypted at rest (Fernet)"
    empty_strings_allowed = False

    def encode(self, value) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def decode(self, text: str):
        return json.loads(text)

    def to_python(self, value):
        return value  # already a JSON value (forms, deserialisation): decrypting happens in from_db_value only

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        return super(models.TextField, self).formfield(**{"form_class": forms.JSONField, **kwargs})
