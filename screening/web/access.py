"""Access rules of the web pages: signed in, a member of an organisation, and only that organisation's data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ..auth import Actor, client_ip
from ..models import Screening
from ..selectors import screening_get


def actor_for(request) -> Actor:
    """The signed-in user's Actor; PermissionDenied for a user who belongs to no organisation."""
    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise PermissionDenied("This account does not belong to an organisation.")
    return Actor(
        organisation=membership.organisation, user=request.user, ip_address=client_ip(request), role=membership.role
    )


def screening_for(request, screening_id) -> tuple[Actor, Screening]:
    """(actor, screening) or 404: another organisation's screening does not exist for this user."""
    actor = actor_for(request)
    screening = screening_get(organisation=actor.organisation, screening_id=screening_id)
    if screening is None:
        raise Http404("No such screening.")
    return actor, screening
