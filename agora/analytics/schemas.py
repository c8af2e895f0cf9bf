import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema


class RevenueOut(Schema):
    currency: str
    gross: int = Field(description="What buyers paid (tax included) minus refunds, minor units.")
    platform: int = Field(description="The platform's commission net of refunds, minor units.")


class MonthCountOut(Schema):
    month: str = Field(description='"YYYY-MM" (UTC).')
    count: int


class MonthRevenueOut(Schema):
    month: str
    gross: int
    platform: int


class SeriesOut(Schema):
    users: list[MonthCountOut] = Field(description="Sign-ups per month.")
    enrollments: list[MonthCountOut] = Field(description="New (still active) enrollments.")
    revenue: list[MonthRevenueOut] = Field(description="In the default currency.")


class AdminStatsOut(Schema):
    users: int
    instructors: int
    courses_published: int
    enrollments: int = Field(description="Active enrollments.")
    revenue: RevenueOut = Field(description="In the platform's default currency.")
    by_currency: list[RevenueOut] = Field(description="Every currency sold in, default first.")
    series: SeriesOut = Field(description="The last 12 months, oldest first.")


# --- analytics for a range of days -----------------------------------------------------------
class InstructorPointOut(Schema):
    date: dt.date
    enrollments: int
    revenue: int = Field(description="Sales after discounts minus refunds and chargebacks.")
    views: int
    sales: int


class LessonFunnelOut(Schema):
    lesson_id: int
    title: str
    type: str
    started: int = Field(description="People who started it (first progress) in the range.")
    completed: int = Field(description="People who completed it in the range.")
    drop_off_percent: float = Field(
        description="Share of the range's starts not matched by its completions."
    )
    drop_off_from_previous_percent: float | None = Field(
        description="Share of the previous lesson's completions in the range not followed by "
        "a start of this one in the range (null for the first lesson)."
    )
    watch_seconds: int = Field(description="Seconds watched on days of the range.")
    duration_seconds: int
    stops: list[int] = Field(
        description="Where people stopped on days of the range, in ten tenths of the video: "
        "each day's last position of whoever watched that day without having completed it."
    )


class QuizItemOut(Schema):
    question_id: int
    lesson: str
    prompt: str
    answers: int
    correct_percent: float


class RatingPointOut(Schema):
    month: str
    reviews: int
    average: float | None


class SubscriptionPayoutOut(Schema):
    date: dt.date = Field(description="The day the split was credited.")
    month: str = Field(description='The month of the pool, "YYYY-MM".')
    amount: int


class SourcesOut(Schema):
    purchase: int = Field(description="Bought at the full price (after any sale price).")
    coupon: int = Field(description="Bought with a coupon.")
    free: int
    grant: int = Field(description="Given by an admin or instructor.")
    gift: int = Field(description="A gift someone bought, redeemed by the learner.")
    subscription: int = Field(description="Taken through a subscription plan.")


class InstructorAnalyticsOut(Schema):
    currency: str
    course_id: int | None
    first_day: dt.date
    last_day: dt.date
    revenue: int = Field(description="Net sales in the range, minor units, tax excluded.")
    gross: int = Field(description="Sales after discounts before refunds, minor units.")
    instructor_share: int = Field(description="Your share of them, net of refunds.")
    subscription_share: int | None = Field(
        description="Your part of the subscription pool credited in the range (all courses "
        "only: the pool is split per instructor, not per course; null with course_id)."
    )
    total_share: int = Field(description="instructor_share plus subscription_share.")
    subscription_payouts: list[SubscriptionPayoutOut] = Field(
        description="The pool splits credited to you in the range (all courses only)."
    )
    refunds: int
    refunded: int
    chargebacks: int
    sales: int
    enrollments: int = Field(description="New enrollments in the range, every source.")
    enrollments_by_source: SourcesOut
    views: int = Field(description="Course page views (once per visitor per day).")
    conversion_percent: float = Field(description="Sales per 100 page views.")
    completions: int = Field(description="Enrollments completed in the range.")
    completion_rate: float = Field(
        description="Percent of the enrollments made in the range that are completed now."
    )
    learners: int = Field(
        description="The range's cohort: enrollments made in the range (refunded ones too)."
    )
    cohort_completed: int = Field(description="Of the cohort, how many completed the course.")
    average_progress: float = Field(description="The cohort's average progress now, percent.")
    rating_trend: list[RatingPointOut]
    series: list[InstructorPointOut]
    lessons: list[LessonFunnelOut] = Field(description="The course's lessons (course_id only).")
    quiz_items: list[QuizItemOut]


class AdminPointOut(Schema):
    date: dt.date
    gross: int
    platform: int
    refunds: int = Field(description="Refunds and chargebacks.")
    signups: int
    active_learners: int


class PeriodOut(Schema):
    period: str
    gross: int
    platform: int
    refunds: int
    signups: int


class TopCourseOut(Schema):
    course_id: int
    title: str
    revenue: int
    sales: int


class TopInstructorOut(Schema):
    instructor_id: int
    name: str
    earned: int


class TopCategoryOut(Schema):
    category_id: int | None
    name: str | None
    revenue: int
    sales: int


class CohortOut(Schema):
    week: dt.date = Field(description="Monday of the sign-up week.")
    signups: int
    active: list[int] = Field(description="Active in the sign-up week and each week after.")


class AdminAnalyticsOut(Schema):
    currency: str
    first_day: dt.date
    last_day: dt.date
    gross: int = Field(description="What buyers paid, tax included (GMV), minor units.")
    platform: int = Field(description="Commission net of refunds and chargebacks.")
    tax: int
    refunds: int
    chargebacks: int
    net: int = Field(description="GMV minus refunds, chargebacks and tax.")
    signups: int
    new_instructors: int
    active_learners: int = Field(description="Distinct learners active in the range.")
    active_learners_daily: int
    active_learners_weekly: int
    active_learners_monthly: int
    series: list[AdminPointOut]
    monthly: list[PeriodOut]
    yearly: list[PeriodOut]
    top_courses: list[TopCourseOut]
    top_instructors: list[TopInstructorOut]
    top_categories: list[TopCategoryOut]
    cohorts: list[CohortOut]


# --- exports ---------------------------------------------------------------------------------
class AdminExportIn(Schema):
    kind: Literal["users", "orders", "enrollments", "payouts", "ledger"]
    format: Literal["csv", "xlsx"] = "csv"
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class InstructorExportIn(Schema):
    kind: Literal["students", "sales"]
    format: Literal["csv", "xlsx"] = "csv"
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class ExportCreatedOut(Schema):
    id: UUID
    status: str


class ExportOut(Schema):
    id: UUID
    kind: str
    format: str
    status: str
    progress_percent: int
    rows_total: int | None
    rows_written: int
    download_url: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str
