from datetime import datetime

from ninja import Field, Schema


class StreakOut(Schema):
    current: int = Field(description="Consecutive learning days up to today (or yesterday).")
    longest: int
    today: bool = Field(description="Whether today (in my time zone) already counts.")


class BadgeOut(Schema):
    code: str
    name: str
    description: str
    awarded_at: datetime


class GamificationOut(Schema):
    xp: int
    level: int
    level_xp: int = Field(description="The XP at which my level began.")
    next_level_xp: int = Field(description="The XP at which the next level begins.")
    streak: StreakOut
    badges: list[BadgeOut]


class XpOut(Schema):
    points: int = Field(description="Negative when earlier points were taken back.")
    reason: str
    rule: str
    created_at: datetime

    @staticmethod
    def resolve_reason(obj: object) -> str:
        label = obj.get_rule_display()  # type: ignore[attr-defined]
        return f"Taken back: {label.lower()}" if obj.points < 0 else label  # type: ignore[attr-defined]


class BoardUserOut(Schema):
    id: int
    name: str


class BoardItemOut(Schema):
    rank: int
    user: BoardUserOut
    xp: int


class MyRankOut(Schema):
    rank: int
    xp: int


class LeaderboardOut(Schema):
    period: str
    starts_at: datetime | None = Field(
        description="When the period began (UTC); null for all time."
    )
    course_id: int | None
    items: list[BoardItemOut]
    me: MyRankOut | None


class LeaderboardQuery(Schema):
    course_id: int | None = None


class ProfileCourseOut(Schema):
    id: int
    slug: str
    title: str
    average_rating: float
    ratings_count: int
    enrollments_count: int


class PublicProfileOut(Schema):
    id: int
    name: str
    headline: str
    level: int
    xp: int
    badges: list[BadgeOut]
    courses_taught: list[ProfileCourseOut]
