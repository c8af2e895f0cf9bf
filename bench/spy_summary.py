"""Summarises py-spy's collapsed stacks (`py-spy record --format raw`) of the web processes
as text: the share of samples each function is on the stack for (inclusive) and at the top
of (its own), and the share per API operation (the view function under django-ninja).

    .venv/bin/pip install py-spy                    # a profiler, not a project dependency
    .venv/bin/py-spy record -p <worker pid> --duration 45 --rate 50 --nonblocking \\
        --format raw -o spy.txt                     # while bench/locust/run.py runs
    .venv/bin/python bench/spy_summary.py spy-*.txt --top 30
"""

import argparse
import itertools
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/agora/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/agora/":
                path = "agora/" + path
            break
    return f"{match['function']} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    total = 0
    for file in args.files:
        for line in file.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            samples = int(count)
            frames = [short(f) for f in stack.split(";") if f.strip()]
            total += samples
            for frame in set(frames):
                inclusive[frame] += samples
            if frames:
                own[frames[-1]] += samples
            # The frame called by ninja's Operation.run is the API operation.
            for caller, callee in itertools.pairwise(frames):
                if caller.startswith("Operation.run (ninja/"):
                    operations[callee] += samples
                    break
            else:
                operations["(outside an API operation)"] += samples
    print(f"{total} samples")
    for title, counter in (
        ("per API operation", operations),
        ("inclusive", inclusive),
        ("own", own),
    ):
        print(f"\n--- {title} ---")
        for name, samples in counter.most_common(args.top):
            print(f"{samples / total:7.1%}  {name}")


if __name__ == "__main__":
    main()
