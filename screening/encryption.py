"""Encryption at rest of special-category data (review D5): Fernet tokens (AES-128-CBC + HMAC-SHA256, so a
changed byte is detected, never decrypted to garbage) under the keys of settings.FIELD_ENCRYPTION_KEYS, newest
first. The newest key encrypts; any key of the list decrypts, so a new key can be put in front and the stored
values re-encrypted afterwards (`manage.py rotate_keys`).

Text is compressed (zlib, fast level) before it is encrypted: a stored assessment is about 140 kB of repetitive
JSON that PostgreSQL used to compress itself, and ciphertext does not compress (24 kB stored instead of 190 kB).
The price is that a token's length says a little about how repetitive its content is; it never shows the content."""

from __future__ import annotations

import zlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every Fernet token starts so (version byte 0x80, then the timestamp's zero high bytes, in url-safe base64);
# JSON text never does. Lets the migration and rotate_keys tell an encrypted value from a plain one.
TOKEN_PREFIX = "gAAAAA"


class DecryptionError(Exception):
    """A stored value could not be decrypted: it was altered, or encrypted with a key not in the list."""


def configured_keys(keys=None) -> tuple[str, ...]:
    """The key list (settings.FIELD_ENCRYPTION_KEYS unless given: a list, or a comma-separated string)."""
    keys = settings.FIELD_ENCRYPTION_KEYS if keys is None else keys
    if isinstance(keys, str):
        keys = keys.split(",")
    return tuple(key.strip() for key in keys if key and key.strip())


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    """(MultiFernet of every key, Fernet of the newest key), built once per key list."""
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: give one or more Fernet keys, comma-separated, newest first (make "
            'one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # never echo the key itself
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 bytes in url-safe base64, 44 characters)."
            ) from None
    return MultiFernet(fernets), fernets[0]


def multi_fernet(keys=None) -> MultiFernet:
    """The MultiFernet of the key list; ImproperlyConfigured if the list is empty or a key is invalid."""
    return _fernets(configured_keys(keys))[0]


def check_keys(keys=None) -> None:
    """Raise ImproperlyConfigured unless the key list is usable (production settings call this at start)."""
    multi_fernet(keys)


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt_text(text: str) -> str:
    return multi_fernet().encrypt(zlib.compress(text.encode("utf-8"), 1)).decode("ascii")


def decrypt_text(token: str, *, label: str = "a stored value") -> str:
    """The plain text of a token; DecryptionError (naming `label`, never the value) if it cannot be read."""
    try:
        return zlib.decompress(multi_fernet().decrypt(token.encode("ascii"))).decode("utf-8")
    except (InvalidToken, UnicodeError, zlib.error) as exc:
        raise DecryptionError(
            f"Could not decrypt {label}: the stored value was altered, or it was encrypted with a key that is not "
            "in FIELD_ENCRYPTION_KEYS."
        ) from exc


def rotate_token(token: str, *, label: str = "a stored value") -> str:
    """The token re-encrypted with the newest key (MultiFernet.rotate); DecryptionError as decrypt_text."""
    try:
        return multi_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(
            f"Could not decrypt {label} to re-encrypt it: the stored value was altered, or it was encrypted with a "
            "key that is not in FIELD_ENCRYPTION_KEYS."
        ) from exc


def newest_key_encrypted(token: str) -> bool:
    """Whether the token was made with the newest key (rotate_keys leaves such tokens alone: idempotent)."""
    newest = _fernets(configured_keys())[1]
    try:
        newest.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True
