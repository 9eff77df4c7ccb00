"""Security events of accounts that are not Django's own signals: a password changed by its owner, a password
reset issued by an organisation admin, a second factor enrolled. Sent as one signal so the audit trail (or
anything else) can record them without the account views knowing about it.

Receivers get `action` (one of AccountAction), `user` (whose account), `actor` (who did it: the same user, or
the organisation admin) and `request`. Never a password, a code or a secret.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

account_event = Signal()


class AccountAction(models.TextChoices):
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET_ISSUED = "password_reset_issued", "Password reset issued by an organisation admin"
    PASSWORD_RESET_USED = "password_reset_used", "Password set from a reset link"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor authentication set up"
    BACKUP_CODES_CREATED = "backup_codes_created", "New backup codes made"


def account_event_send(*, action: str, user, actor, request=None) -> None:
    account_event.send(sender=AccountAction, action=action, user=user, actor=actor, request=request)
