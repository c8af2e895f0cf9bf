from django.urls import URLPattern, path

from agora.learning import pages
from agora.learning.certificates import views as certificate_views

urlpatterns: list[URLPattern] = [
    # The learner's dashboard, the course player and the instructor's students page.
    path("my-learning/", pages.my_learning, name="my_learning"),
    path("learn/<slug:slug>/", pages.learn_course, name="learn_course"),
    path("learn/<slug:slug>/lessons/<int:lesson_id>/", pages.learn_lesson, name="learn_lesson"),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/complete/",
        pages.complete_lesson,
        name="learn_complete",
    ),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/position/",
        pages.save_position,
        name="learn_position",
    ),
    path("learn/<slug:slug>/lessons/<int:lesson_id>/quiz/", pages.submit_quiz, name="learn_quiz"),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/code-runs/",
        pages.start_code_run,
        name="learn_code_run",
    ),
    path(
        "learn/<slug:slug>/lessons/<int:lesson_id>/submissions/",
        pages.submit_assignment,
        name="learn_submit",
    ),
    path(
        "learn/submissions/<int:submission_id>/file/",
        pages.submission_file,
        name="submission_file",
    ),
    path("studio/courses/<int:course_id>/grading/", pages.grading_queue, name="grading_queue"),
    path(
        "studio/submissions/<int:submission_id>/grade/",
        pages.grade_submission,
        name="grade_submission",
    ),
    path("learn/code-runs/<int:code_run_id>/", pages.code_run_status, name="learn_code_run_status"),
    path("studio/courses/<int:course_id>/students/", pages.course_students, name="course_students"),
    # Certificate pages (certificates/views.py).
    path("me/certificates/", certificate_views.my_certificates, name="my_certificates"),
    path(
        "certificates/<str:code>/",
        certificate_views.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<str:code>/download/",
        certificate_views.certificate_download,
        name="certificate_download",
    ),
]
