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
