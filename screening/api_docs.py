"""The API documentation page (Swagger UI, from drf-spectacular-sidecar's local files) under the site's
Content-Security-Policy (review D10).

drf-spectacular's plain Swagger view writes its start-up script inline, which the policy forbids; its "split"
view serves that script as a separate file from the same URL (`?script=`), so script-src 'self' covers it. The
page still has one inline <style> block of drf-spectacular's template: the view's policy allows exactly that block
by its SHA-256 hash, computed from the installed template (so an upgrade that changes it keeps working), and the
data: images Swagger UI's stylesheet uses for its icons.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from csp.decorators import csp_update
from django.template import engines
from drf_spectacular.views import SpectacularSwaggerSplitView

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@cache
def inline_style_hashes(template_name: str = SpectacularSwaggerSplitView.template_name) -> list[str]:
    """CSP hash sources ('sha256-...') of the inline <style> blocks of a template (static text: no tags in them)."""
    source = engines["django"].engine.find_template(template_name)[0].source
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"
        for block in _STYLE.findall(source)
    ]


def swagger_view(**kwargs):
    view = SpectacularSwaggerSplitView.as_view(**kwargs)
    return csp_update({"style-src": inline_style_hashes(), "img-src": ["data:"]})(view)
