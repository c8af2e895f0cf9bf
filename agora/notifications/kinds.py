"""What people can be told about, and how by default."""

from dataclasses import dataclass
from enum import StrEnum


class NotificationKind(StrEnum):
    QUESTION_ANSWERED = "question_answered"
    COMMENT_REPLY = "comment_reply"
    MENTION = "mention"
    ANNOUNCEMENT = "announcement"
    MESSAGE = "message"
    COURSE_APPROVED = "course_approved"
    COURSE_REJECTED = "course_rejected"
    CERTIFICATE_ISSUED = "certificate_issued"
    BADGE_EARNED = "badge_earned"
    REVIEW_RECEIVED = "review_received"
    SALE = "sale"
    PAYOUT_SENT = "payout_sent"
    REFUND = "refund"
    WISHLIST = "wishlist"
    GIFT = "gift"
    MODERATION = "moderation"
    STREAK_REMINDER = "streak_reminder"
    ASSIGNMENT_GRADED = "assignment_graded"


@dataclass(frozen=True)
class KindInfo:
    label: str  # "Tell me about …" in the settings table
    in_app: bool = True
    email: bool = True


KINDS: dict[NotificationKind, KindInfo] = {
    NotificationKind.QUESTION_ANSWERED: KindInfo("Answers to my questions"),
    NotificationKind.COMMENT_REPLY: KindInfo("Replies to my comments"),
    NotificationKind.MENTION: KindInfo("Mentions of me"),
    NotificationKind.ANNOUNCEMENT: KindInfo("Announcements in my courses"),
    NotificationKind.MESSAGE: KindInfo("New direct and course chat messages"),
    NotificationKind.COURSE_APPROVED: KindInfo("My course was approved"),
    NotificationKind.COURSE_REJECTED: KindInfo("My course needs changes"),
    NotificationKind.CERTIFICATE_ISSUED: KindInfo("A certificate was issued to me"),
    NotificationKind.BADGE_EARNED: KindInfo("I earned a badge", email=False),
    NotificationKind.REVIEW_RECEIVED: KindInfo("A review of my course"),
    NotificationKind.SALE: KindInfo("A sale of my course"),
    NotificationKind.PAYOUT_SENT: KindInfo("A payout was sent to me"),
    NotificationKind.REFUND: KindInfo("A refund of my order"),
    NotificationKind.WISHLIST: KindInfo(
        "A course on my wishlist got cheaper or a coupon now covers it"
    ),
    NotificationKind.GIFT: KindInfo("A course I gave was redeemed, or a gift for me arrived"),
    NotificationKind.MODERATION: KindInfo("Admins hid something I posted"),
    NotificationKind.ASSIGNMENT_GRADED: KindInfo("My assignment was graded"),
    NotificationKind.STREAK_REMINDER: KindInfo(
        "A reminder in my evening when my learning streak is about to break", in_app=False
    ),
}
