from django.contrib import admin

from .models import CountryProfile


@admin.register(CountryProfile)
class CountryProfileAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "reviewed", "updated_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["updated_at"]
