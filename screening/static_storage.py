"""Static files storage of the production settings: WhiteNoise's compressed, hashed files, with the manifest
(`staticfiles.json`, the map of every file name to its hashed name) written outside STATIC_ROOT.

WhiteNoise serves every file under STATIC_ROOT and has no way to exclude one, so a manifest there would be public
(review D21: it lists every static file the deployment has). Django's ManifestFilesMixin takes a separate
`manifest_storage`: the manifest goes to settings.STATIC_MANIFEST_ROOT instead.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PrivateManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("manifest_storage", FileSystemStorage(location=settings.STATIC_MANIFEST_ROOT))
        super().__init__(*args, **kwargs)
