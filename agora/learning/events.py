"""What the learning app tells the apps above it (agora.core.events), each inside the
transaction that made it true."""

# user, lesson, course_id: the first time an enrolled learner completes the lesson.
LESSON_COMPLETED = "learning.lesson_completed"
# user, lesson, course_id, score: an enrolled learner passed the quiz (every passing attempt).
QUIZ_PASSED = "learning.quiz_passed"
# user, course: every lesson of the course is done, the first time.
COURSE_COMPLETED = "learning.course_completed"
# user: an enrolled learner learned something (a lesson done, a quiz tried, video watched).
LEARNED = "learning.learned"
# moments: [(user, when)], learners who watched video, from a fold of buffered reports.
LEARNED_MANY = "learning.learned_many"
# user, course: access ended (a refund, a lost dispute).
ENROLLMENT_REVOKED = "learning.enrollment_revoked"
