from agora.catalog.models import Category, Course, Lesson, Module
from tests.accounts.factories import UserFactory

_counter = {"n": 0}


def _category() -> Category:
    # Transactional tests flush the categories the migration seeded: bring one back.
    return Category.objects.first() or Category.objects.create(name="Testing", slug="testing")


def published_course(*, price=1999, currency="USD", owner=None, **fields) -> Course:
    _counter["n"] += 1
    owner = owner or UserFactory(is_instructor=True)
    course = Course.objects.create(
        owner=owner,
        title=fields.pop("title", f"Course {_counter['n']}"),
        slug=f"course-{_counter['n']}",
        price=price,
        currency=currency,
        category=_category(),
        status="published",
        description="About it.",
        **fields,
    )
    module = Module.objects.create(course=course, title="Start", position=1)
    Lesson.objects.create(module=module, title="Locked", type="text", position=1, body="Hi")
    return course
