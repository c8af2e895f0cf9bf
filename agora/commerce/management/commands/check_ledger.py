from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agora.commerce.services.ledger import invariant_problems


class Command(BaseCommand):
    help = "Prove the ledger's invariants; exits non-zero and lists the problems if any fail."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = invariant_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} ledger problem(s).")
        self.stdout.write(self.style.SUCCESS("The ledger balances."))
