"""`python -m bench.generator --courses 100000 --instructors 2000`: adds a big synthetic
catalog to the database the environment names (DATABASE_URL, as for manage.py), for
benchmarks. Never on a real database: it writes made-up instructors and courses."""

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import TextIO


class ProgressBar:
    """A one-line progress bar on stderr; without a terminal, a line every tenth."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.is_terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        remaining = (total - done) / rate if rate > 0 else 0.0
        filled = int(self.width * fraction)
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} courses"
            f"  {rate:,.0f}/s  {elapsed:,.0f}s elapsed, ~{remaining:,.0f}s left"
        )
        if self.is_terminal:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(line + "\n")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generator",
        description="Add a large synthetic catalog (instructors, courses, curricula).",
    )
    parser.add_argument("--courses", type=int, required=True, help="courses to add")
    parser.add_argument("--instructors", type=int, required=True, help="instructors to add")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--batch-size", type=int, default=1000, help="courses per transaction (default 1000)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    options = parser.parse_args(argv)
    if options.courses < 0 or options.instructors < 1 or options.batch_size < 1:
        parser.error("--courses must be >= 0, --instructors and --batch-size >= 1.")
    return options


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    options = parse(argv)
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
    import django

    django.setup()
    from bench.generator.catalog import generate_catalog

    try:
        result = generate_catalog(
            courses=options.courses,
            instructors=options.instructors,
            seed=options.seed,
            batch_size=options.batch_size,
            progress=None if options.no_progress else ProgressBar(stderr),
        )
    except ValueError as exc:
        stderr.write(f"{exc}\n")
        return 2
    stdout.write(
        f"Added {result.instructors:,} instructors and {result.courses:,} courses "
        f"({result.published:,} published; {result.modules:,} modules, "
        f"{result.lessons:,} lessons, {result.questions:,} quiz questions) "
        f"in {result.seconds:,.1f}s.\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
