"""UI texts that are translated with gettext on a variable, listed here so that makemessages extracts them.

gettext_noop only marks a string: nothing here is translated at import time. Each constant must stay equal to the
text it stands for (tests/web/test_ui_translations.py checks it); the translations are in locale/*/django.po.
"""

from django.utils.translation import gettext_noop

# rules.DISCLAIMER, translated by screening/web/results.py:disclaimer() with gettext(DISCLAIMER).
DISCLAIMER = gettext_noop(
    "This is a screening of candidate grounds for a caseworker to examine. It is not a decision on refugee "
    "status or any other protection: every outcome must be checked against the facts, credibility and current "
    "country information."
)

# The memo PDF's footer (screening/pdf.py): xgettext does not read gettext calls inside f-strings.
PDF_FOOTER_DISCLAIMER = gettext_noop("Screening, not a decision")
