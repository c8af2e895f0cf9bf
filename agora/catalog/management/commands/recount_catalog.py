"""Counts the published courses afresh (catalog/totals.py keeps their number by triggers) and
writes their search words afresh (catalog/search_words.py, PostgreSQL)."""

from typing import Any

from django.core.management.base import BaseCommand

from agora.catalog import search_words, totals


class Command(BaseCommand):
    help = (
        "Counts the published courses and writes their search words afresh, after data was"
        " loaded with triggers off."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{totals.recount():,} published courses.")
        if words := search_words.rewrite():
            self.stdout.write(f"{words:,} search words.")
