"""/metrics: Prometheus metrics (django-prometheus), when settings.METRICS_ENABLED (config/settings/base.py).

Off: 404, as for any unknown page. On: the scraper must send `Authorization: Bearer <METRICS_TOKEN>` or connect
from an address in METRICS_ALLOWED_IPS; anyone else gets 403. The page holds counts and timings by view, method,
status and database, never a request's content, but it still describes the traffic of an organisation's caseworkers,
so it is not public.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from .auth import client_ip


def scraper_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    return bool(settings.METRICS_ALLOWED_IPS) and client_ip(request) in settings.METRICS_ALLOWED_IPS


@csrf_exempt
@require_safe
@never_cache
def metrics(request):
    if not settings.METRICS_ENABLED:
        raise Http404
    if not scraper_allowed(request):
        return HttpResponseForbidden("Metrics: send the metrics token or scrape from an allowed address.\n")
    from django_prometheus.exports import ExportToDjangoView  # installed only when metrics are on

    return ExportToDjangoView(request)
