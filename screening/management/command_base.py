"""The base class of the app's management commands (review D20): a failure is one line on stderr, never a
traceback. Exit status as README's "Batch screening" defines it: 2 when the command could not run (here: the
database is unreachable or refused the command)."""

from __future__ import annotations

import os
import signal
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError

COULD_NOT_RUN = 2
# A reader that went away (`... | head -1`): the status a shell reports for a tool killed by SIGPIPE.
BROKEN_PIPE_STATUS = 128 + signal.SIGPIPE


def database_error_message(exc: DatabaseError) -> str:
    kind = type(exc).__name__
    lines = str(exc).strip().splitlines()
    first = f": {lines[0].strip()}" if lines else ""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return f"could not reach the database ({kind}{first})."
    if isinstance(exc, ProgrammingError):
        return f"the database refused the command ({kind}{first}); has `manage.py migrate` run?"
    return f"the database refused the command ({kind})."  # such messages may quote stored values: not shown


class AppCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DatabaseError as exc:
            raise CommandError(database_error_message(exc), returncode=COULD_NOT_RUN) from None

    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
            sys.stdout.flush()  # inside the try: the reader may have gone after the last write
        except BrokenPipeError:
            # Stop quietly, as Unix tools do. Point stdout at /dev/null: flushing it again at exit would fail.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(BROKEN_PIPE_STATUS)
