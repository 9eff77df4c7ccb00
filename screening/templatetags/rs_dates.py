"""{{ value|long_date }}: a date in the active language's long format ("6 December 2026", "6 декабря 2026 г.")."""

from django import template

from ..dates import long_date as _long_date

register = template.Library()


@register.filter
def long_date(value):
    return _long_date(value)
