# Load the Celery app with Django so that tasks bind to it (shared_task) in the web process and in workers.
from .celery import app as celery_app

__all__ = ("celery_app",)
