"""Rewrites the analytics rollups from the raw rows: all of them, or a window of days."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.analytics import rollups


class Command(BaseCommand):
    help = "Rebuilds the analytics rollups from the raw data (every day, or --from/--to)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", help="Last day, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            first = date.fromisoformat(options["first"]) if options["first"] else None
            last = date.fromisoformat(options["last"]) if options["last"] else None
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from exc
        if first is None and last is None:
            result = rollups.rebuild()
        else:
            first = first or rollups.first_day_with_data()
            if first is None:
                result = None
            else:
                last = last or rollups.local_day(rollups.timezone.now())
                if last < first:
                    raise CommandError("--to is before --from.")
                result = rollups.refresh(first_day=first, last_day=last)
        if result is None:
            self.stdout.write("Nothing to roll up: there is no data yet.")
        else:
            self.stdout.write(
                f"Rolled up {result.first_day}..{result.last_day}: {result.rows} rows."
            )
