"""Demo reviews: most demo learners review the courses they are enrolled in, and instructors
answer some of them. Written through the services, so each course's rating figures are the
exact ones of its reviews.

It reviews whatever active enrollments of demo learners exist when it runs (the learning
app's demo, earlier in INSTALLED_APPS, creates them). Choices are derived from the learner and
the course, so running it twice changes nothing the second time.
"""

import hashlib
from collections.abc import Callable

from django.utils import timezone

from agora.catalog.models import CourseStatus
from agora.community import services
from agora.community.models import Review
from agora.learning.models import Enrollment

DEMO_DOMAIN = "@agora.test"

# Weighted towards good ratings, as real course ratings are.
RATINGS = [5, 5, 5, 5, 4, 4, 4, 3, 5, 4, 2, 5, 4, 3, 1, 5]
COMMENTS = {
    5: [
        "Clear, well paced and practical. I used what I learned the same week.",
        "The best course I have taken on this topic. The exercises made it stick.",
        "Excellent explanations and good examples. I would happily take another course by "
        "this instructor.",
        "",
    ],
    4: [
        "Very good overall. A few lessons went a little fast, but the material is solid.",
        "Useful and well organised. I would have liked one more worked example per module.",
        "",
    ],
    3: [
        "Decent introduction. Some parts felt rushed and the quizzes were too easy.",
        "Good content, but the audio in a couple of videos could be better.",
    ],
    2: ["Too basic for me: most of it is in the free documentation."],
    1: ["Not what the description promised. I expected much more depth."],
}
REPLIES = {
    5: "Thank you so much! I am glad it was useful.",
    4: "Thanks for the kind words and the suggestion: more examples are coming.",
    3: "Thank you for the honest feedback. I am re-recording the weakest lessons.",
    2: "Sorry it was too basic for you. The advanced modules go further; let me know what "
    "you would like covered.",
    1: "I am sorry the course fell short. Please tell me what you were looking for, and I "
    "will see what I can add.",
}


def _number(*parts: object) -> int:
    text = "|".join(str(part) for part in parts)
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def seed(log: Callable[[str], object]) -> None:
    enrollments = (
        Enrollment.objects.active()
        .filter(
            learner__email__iendswith=DEMO_DOMAIN,
            learner__is_staff=False,
            learner__is_instructor=False,
            course__status=CourseStatus.PUBLISHED,
        )
        .select_related("learner", "course", "course__owner")
        .order_by("pk")
    )
    reviewed = set(Review.objects.values_list("course_id", "learner_id"))
    added = replies = 0
    now = timezone.now()
    for enrollment in enrollments:
        learner, course = enrollment.learner, enrollment.course
        if (course.pk, learner.pk) in reviewed:
            continue
        number = _number(learner.email, course.slug)
        if number % 5 == 0:  # about one learner in five writes no review
            continue
        rating = RATINGS[number % len(RATINGS)]
        options = COMMENTS[rating]
        review = services.create_review(
            learner=learner, course=course, rating=rating, comment=options[number % len(options)]
        )
        # Spread the dates between the enrollment and now, so "newest first" means something.
        written = min(
            now, enrollment.created_at + (now - enrollment.created_at) * (number % 997 / 997)
        )
        Review.objects.filter(pk=review.pk).update(created_at=written, updated_at=written)
        review.created_at = review.updated_at = written
        added += 1
        if number % 3 == 0:
            services.reply_to_review(user=course.owner, review=review, body=REPLIES[rating])
            replies += 1
    log(
        f"Demo reviews: {Review.objects.count()} in all; {added} added now "
        f"({replies} with an instructor's reply)."
    )
