from agora.catalog.models import CourseInstructor
from agora.learning.services import grant_enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course


def course_with_people(*, learners: int = 2):
    """A published course, its owner, a co-instructor and enrolled learners."""
    owner = UserFactory(is_instructor=True, name="Olga Owner")
    co = UserFactory(is_instructor=True, name="Cora Co")
    course = published_course(owner=owner, title="Pottery")
    CourseInstructor.objects.create(course=course, user=co)
    people = [UserFactory(name=f"Learner {n}") for n in range(learners)]
    for person in people:
        grant_enrollment(learner=person, course=course, source="grant")
    return course, owner, co, people
