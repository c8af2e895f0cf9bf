"""The `fold_positions` job's time for a minute of position reports from many watching
learners (PostgreSQL + Redis): each learner watches a video lesson and reports every 10 s, six
reports with 10 s watched each, put in the Redis buffer by the real `positions.buffer`; then
one fold is timed and its queries counted. Two rounds: the first creates the progress rows,
the second (the next minute) adds to them, which is what a fold does most of the time.

    .venv/bin/python bench/fold.py                       # 5,000 learners
    .venv/bin/python bench/fold.py --learners 1000

The database (`BENCH_DATABASE_URL`, default bench/positions.py's) gets 2,000 generated courses
and 5,000 learners with two enrollments each (reused); each round uses a fresh minute.
"""

import sys
import tempfile
from pathlib import Path

import catalog
import positions
import speed
from common import write_results

ROUND = """
import cProfile, json, pstats, sys, time
from datetime import timedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from agora.catalog.models import Lesson
from agora.learning import positions
from agora.learning.models import Enrollment, LessonProgress
pairs = list(Enrollment.objects.filter(learner__email__endswith='@{domain}')
    .order_by('learner_id', 'pk').distinct('learner_id')
    .values_list('learner_id', 'course_id')[:{learners}])
video = dict(Lesson.objects.filter(module__course_id__in={{c for _, c in pairs}}, type='video')
    .order_by('module__course_id', '-pk').values_list('module__course_id', 'pk'))
start = timezone.now() - timedelta(minutes={minutes_ago})
reports = 0
for user, course in pairs:
    if course in video:
        for i in range(6):
            report = positions.Report(user, video[course], course, 60 * {round} + 10 * i, 10, True)
            positions.buffer(report, now=start + timedelta(seconds=10 * i))
            reports += 1
before = LessonProgress.objects.count()
started = time.perf_counter()
profile = cProfile.Profile() if {profile} else None
with CaptureQueriesContext(connection) as queries:
    if profile:
        profile.enable()
    folded = positions.fold()
    if profile:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats('cumulative').print_stats(30)
print(json.dumps({{'reports': reports, 'folded_entries': folded,
    'seconds': round(time.perf_counter() - started, 2), 'queries': len(queries),
    'new_progress_rows': LessonProgress.objects.count() - before}}))
"""

# The first round starts from learners who never watched (rows of earlier runs removed).
RESET = """
import json
from agora.gamification.models import LearningDay
from agora.learning.models import CourseLearningTime, LessonActivityDay, LessonProgress
mine = dict(user__email__endswith='@{domain}')
removed = [model.objects.filter(**mine).delete()[0] for model in
    (LessonProgress, LessonActivityDay, CourseLearningTime, LearningDay)]
print(json.dumps(removed))
"""


def main() -> None:
    parser = positions.arguments(__doc__)
    parser.add_argument("--learners", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true", help="cProfile each fold (stderr)")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="agora-fold-"))
    catalog.ensure_postgres_database(args.database_url)
    env = speed.server_env(args.database_url, args.redis_url, var_dir, cache=True)
    positions.prepare(env, 5_000, 0)
    speed.flush(args.redis_url)
    catalog.django_json(env, RESET.format(domain=speed.LEARNER_DOMAIN))
    results = {}
    # Minutes in the past, one after the other, so that every round's reports are newer.
    for number, minutes_ago in ((1, 3), (2, 2)):
        code = ROUND.format(
            domain=speed.LEARNER_DOMAIN,
            learners=args.learners,
            minutes_ago=minutes_ago,
            round=number,
            profile=args.profile,
        )
        results[f"round {number}"] = row = catalog.django_json(env, code)
        print(f"round {number}: {row}", file=sys.stderr)
    write_results("fold", {"learners": args.learners, "results": results})


if __name__ == "__main__":
    main()
