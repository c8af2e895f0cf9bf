"""Two versions of Agora side by side: a granian server of each in turn, on the database
`bench/speed.py` fills, for the scenarios a change is meant to speed up. On a machine whose
speed drifts from minute to minute, runs taken in turn compare better than runs an hour apart.

    git worktree add /tmp/before <commit> && ln -s "$PWD/.venv" /tmp/before/.venv
    .venv/bin/python bench/compare.py /tmp/before --rounds 3

Each round starts one server of the other checkout, then one of this one, and runs wrk
(`-t2 -c64`, `--seconds` per scenario, after a 3 s warm-up on `/healthz`); the catalog list
and the search run on a second server with the cache off. `--only` picks the scenarios whose
name has the given text (`/healthz` always runs). Prints every round and the median per
version. The other checkout is run with its own code and this checkout's
virtualenv; it must have `bench/speed.py` (any version since the speed work began).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import PRODUCTION_SERVER

ROOT = Path(__file__).resolve().parent.parent

# Run inside each checkout, with that checkout's own bench modules on the path.
MEASURE = """
import json, sys, tempfile
from pathlib import Path
tree, database_url, redis_url, seconds, only, server = sys.argv[1:7]
seconds = int(seconds)
sys.path.insert(0, f"{tree}/bench")
import speed
from common import Server, ServerSpec
facts = speed.prepare(
    speed.server_env(database_url, redis_url, Path(tempfile.mkdtemp()), cache=True), 50_000
)
token, lesson = facts["token"], facts["lesson"]
courses = [f"/api/v1/courses/{pk}" for pk in facts["courses"]]
signed_in = {"token": token}
cached = {
    "/healthz": lambda port: speed.wrk(port, ["/healthz"], seconds=seconds),
    "course detail, cold": lambda port: speed.wrk(port, courses, seconds=seconds),
    "course detail, warm": lambda port: (
        speed.wrk(port, courses[:50], seconds=2),  # fills the cache
        speed.wrk(port, courses[:50], seconds=seconds),
    )[1],
    "GET /lessons/{id}": lambda port: speed.wrk(
        port, [f"/api/v1/lessons/{lesson}"], seconds=seconds, **signed_in
    ),
    "GET /me/enrollments": lambda port: speed.wrk(
        port, ["/api/v1/me/enrollments"], seconds=seconds, **signed_in
    ),
    "PUT /lessons/{id}/position": lambda port: speed.wrk(
        port, [f"/api/v1/lessons/{lesson}/position"], seconds=seconds,
        method="PUT", body=json.dumps({"seconds": 42}), **signed_in,
    ),
}
uncached = {
    "catalog list, cache off": lambda port: speed.wrk(port, ["/api/v1/courses"], seconds=seconds),
    "search 'design', cache off": lambda port: speed.wrk(
        port, ["/api/v1/courses?q=design"], seconds=seconds
    ),
}
out = {}
for cache, scenarios in ((True, cached), (False, uncached)):
    chosen = {name: run for name, run in scenarios.items() if name == "/healthz" or only in name}
    if not chosen:  # the cache-off server runs only for its own scenarios
        continue
    speed.flush(redis_url)
    env = speed.server_env(database_url, redis_url, Path(tempfile.mkdtemp()), cache=cache)
    with Server(ServerSpec.parse(server), env) as server:
        speed.wrk(server.port, ["/healthz"], seconds=3)
        out.update({name: run(server.port) for name, run in chosen.items()})
print("RESULT " + json.dumps(out))
"""


def measure(tree: Path, args: argparse.Namespace) -> dict[str, dict]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            MEASURE,
            str(tree),
            args.database_url,
            args.redis_url,
            str(args.seconds),
            args.only,
            args.server,
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="another checkout of Agora (the 'before')")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/agora_speed")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--only", default="", help="the scenarios whose name has this")
    parser.add_argument("--server", default=PRODUCTION_SERVER, help="both run on this one")
    args = parser.parse_args()
    versions = {"before": args.other.resolve(), "after": ROOT}
    results: dict[str, list[dict[str, dict]]] = {name: [] for name in versions}
    for round_number in range(1, args.rounds + 1):
        for name, tree in versions.items():
            found = measure(tree, args)
            results[name].append(found)
            figures = "  ".join(
                f"{scenario} {r['rps']:.0f} (p99 {r['p99_ms']:.0f})"
                for scenario, r in found.items()
            )
            print(f"round {round_number} {name:<6} {figures}", file=sys.stderr)
    print(f"\n{'scenario':<30}{'before req/s':>14}{'p99':>7}{'after req/s':>14}{'p99':>7}")
    for scenario in results["after"][0]:
        row = f"{scenario:<30}"
        for name in versions:
            runs = [found[scenario] for found in results[name]]
            row += f"{statistics.median(r['rps'] for r in runs):>14.0f}"
            row += f"{statistics.median(r['p99_ms'] for r in runs):>7.0f}"
        print(row)


if __name__ == "__main__":
    main()
