"""Lighthouse's accessibility and best-practices audits over the demo site's everyday pages,
as a visitor, a learner, an instructor and an admin, at laptop and phone sizes: every page
scores at least 95 in both. The scores are written to artifacts/lighthouse.json (a CI
artefact) and the README records them.

Lighthouse (pinned in tools/lighthouse/package.json) runs on Node.js with the Chromium the
other browser tests use; `make test` installs it when npm is on the machine. Without it this
module is skipped, unless AGORA_REQUIRE_BROWSER=1 (CI), where that fails the run.
"""

import json
import os
import shutil
import subprocess
from importlib import import_module
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agora.demo.people import ADMIN_EMAIL
from agora.learning.models import Enrollment
from tests.browser.conftest import CHROMIUM, SCREENSHOT_DIR
from tests.live.test_processes import Processes, processes  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.worker]

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "lighthouse"
AUDIT = TOOLS / "audit.mjs"
REPORT = SCREENSHOT_DIR.parent / "lighthouse.json"
MINIMUM = 95


def _lighthouse() -> str:
    """The node binary, once Lighthouse is installed beside the audit script."""
    node = shutil.which("node")
    installed = (TOOLS / "node_modules" / "lighthouse" / "package.json").exists()
    if node and installed and os.access(CHROMIUM, os.X_OK):
        return node
    missing = "Node.js" if not node else "Chromium" if installed else "Lighthouse"
    hint = f"{missing} is missing: install Node.js and Chromium, then `make lighthouse`"
    if os.environ.get("AGORA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AGORA_REQUIRE_BROWSER=1 but {hint}.", pytrace=False)
    pytest.skip(hint)


@pytest.fixture
def demo_site(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo data as `make run` shows it, with a shorter year of sales (the pages are
    the same with fewer orders). The categories come from a data migration, which an earlier
    transactional test's flush may have emptied: they are put back first."""
    from django.apps import apps

    from agora.demo import sales

    import_module("agora.catalog.migrations.0003_categories").seed(apps, None)

    monkeypatch.setattr(sales, "BUYERS", 8)
    monkeypatch.setattr(sales, "ORDERS", 20)
    monkeypatch.setattr(sales, "REFUNDS", 1)
    call_command("seed_demo", stdout=StringIO())


def _session_of(user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def _pages(base: str) -> list[dict[str, Any]]:
    enrollment = (
        Enrollment.objects.select_related("learner", "course__owner")
        .filter(learner__email__endswith="@agora.test", learner__is_instructor=False)
        .order_by("pk")
        .first()
    )
    assert enrollment is not None, "the demo has enrolled learners"
    learner, course = enrollment.learner, enrollment.course
    teacher = course.owner
    admin = get_user_model().objects.get(email=ADMIN_EMAIL)
    lesson = course.modules.order_by("position").first().lessons.order_by("position").first()

    people: dict[str, Any] = {"visitor": None, "learner": learner, "instructor": teacher}
    people["admin"] = admin
    visits: list[tuple[str, str, str, bool]] = [
        ("visitor", "home", reverse("home"), False),
        ("visitor", "home", reverse("home"), True),
        ("visitor", "search", reverse("search") + "?q=python", False),
        ("visitor", "course", reverse("course_detail", args=[course.slug]), False),
        ("visitor", "course", reverse("course_detail", args=[course.slug]), True),
        ("visitor", "sign-in", reverse("account_login"), False),
        ("visitor", "sign-up", reverse("account_signup"), True),
        ("visitor", "leaderboards", reverse("leaderboards"), False),
        ("learner", "my-learning", reverse("my_learning"), False),
        ("learner", "player", reverse("learn_lesson", args=[course.slug, lesson.pk]), False),
        ("learner", "player", reverse("learn_lesson", args=[course.slug, lesson.pk]), True),
        ("learner", "questions", reverse("course_questions", args=[course.slug]), False),
        ("learner", "progress", reverse("my_progress"), False),
        ("learner", "cart", reverse("cart"), True),
        ("learner", "profile", reverse("profile"), False),
        ("learner", "sessions", reverse("usersessions_list"), False),
        ("learner", "your-data", reverse("account_data"), False),
        ("learner", "messages", reverse("inbox"), False),
        ("learner", "notifications", reverse("notification_list"), True),
        ("instructor", "studio", reverse("studio"), False),
        ("instructor", "studio-course", reverse("studio_course", args=[course.pk]), False),
        ("instructor", "curriculum", reverse("studio_curriculum", args=[course.pk]), False),
        ("instructor", "students", reverse("course_students", args=[course.pk]), False),
        ("instructor", "earnings", reverse("studio_earnings"), True),
        ("admin", "dashboard", reverse("admin_dashboard"), False),
        ("admin", "transactions", reverse("admin_transactions"), False),
        ("admin", "review-queue", reverse("review_queue"), False),
        ("admin", "audit-log", reverse("audit_log"), False),
    ]
    cookies = {role: _session_of(person) if person else {} for role, person in people.items()}
    return [
        {
            "name": f"{role} {name} ({'phone' if phone else 'laptop'})",
            "url": base + path,
            "cookies": cookies[role],
            "mobile": phone,
        }
        for role, name, path, phone in visits
    ]


def test_every_page_scores_at_least_95_for_accessibility_and_best_practices(
    demo_site: None,
    processes: Processes,  # noqa: F811
    tmp_path: Path,
) -> None:
    node = _lighthouse()
    # The production ASGI server, as `make run` starts it: signed-in pages open a websocket.
    pages = _pages(f"http://127.0.0.1:{processes.server('web')}")
    listing = tmp_path / "pages.json"
    listing.write_text(json.dumps(pages))

    run = subprocess.run(  # noqa: S603 - our own script on our own list
        [node, str(AUDIT), str(listing)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1))

    assert [entry["name"] for entry in report] == [page["name"] for page in pages]
    problems = []
    for entry, page in zip(report, pages, strict=True):
        # A page that sent the person to sign in was not the page meant.
        assert entry["final_url"] == page["url"], f"{entry['name']} ended at {entry['final_url']}"
        assert entry["runtime_error"] is None, f"{entry['name']}: {entry['runtime_error']}"
        low = {name: score for name, score in entry["scores"].items() if score < MINIMUM}
        if low:
            failed = "; ".join(
                f"{audit['id']} ({', '.join(audit['where'][:3])})" for audit in entry["failed"]
            )
            problems.append(f"{entry['name']}: {low} — {failed}")
    assert problems == [], "\n".join(problems)
