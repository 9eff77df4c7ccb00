from django.db import models


class CountryProfile(models.Model):
    """Country-of-origin information: default answers to the caseworker's COI questions, with sources.

    `values` is {question_id: {"value", "source", "date", "note"}}; loaded from fixtures/country_profiles.yaml
    by `manage.py loadprofiles`.
    """

    code = models.CharField(max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2 code")
    name = models.CharField(max_length=100)
    reviewed = models.DateField(help_text="When the profile was last reviewed")
    summary = models.TextField(blank=True)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"
