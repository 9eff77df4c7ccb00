"""The Celery application: background jobs (screening/tasks.py) run on workers started by `make worker`.

Configured from Django settings with the CELERY_ prefix (config/settings/base.py). With no broker configured
(neither REDIS_URL nor CELERY_BROKER_URL), nothing is sent to Celery: screening/job_runner.py runs the same task
code in the web process instead.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("refuge_screen")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
