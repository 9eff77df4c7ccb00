"""Development settings: DEBUG on unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403

# A fixed, public development key (base64 of "refuge-screen-dev-key-not-secret"; the same in test.py) unless
# FIELD_ENCRYPTION_KEYS is set. Never for real data: production.py refuses to start without the variable.
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    FIELD_ENCRYPTION_KEYS = ["cmVmdWdlLXNjcmVlbi1kZXYta2V5LW5vdC1zZWNyZXQ="]
