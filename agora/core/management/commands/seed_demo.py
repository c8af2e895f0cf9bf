"""Loads the demo data, idempotently: running it twice changes nothing the second time.

Each domain app that has demo data provides `agora/<app>/demo.py` with a `seed(log)` function;
they run in INSTALLED_APPS order, so catalog data can rely on the accounts it needs.
"""

import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo accounts and content (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if not config.name.startswith("agora."):
                continue
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
