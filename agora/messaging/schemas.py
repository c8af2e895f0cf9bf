from datetime import datetime

from ninja import Field, Schema

from agora.core.schemas import Id


class PersonOut(Schema):
    id: int
    name: str


class MemberOut(PersonOut):
    online: bool = Field(description="A socket of theirs was active in the last minute.")


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender: PersonOut
    body: str
    created_at: datetime


class ConversationOut(Schema):
    id: int
    kind: str = Field(description='"direct" or "course"')
    title: str
    course_id: int | None = None
    members: list[MemberOut] = Field(
        description="Its members (a course chat: the first 50 who joined it)."
    )
    unread: int
    last_message: MessageOut | None


class StartDirectIn(Schema):
    user_id: Id


class MessagesOut(Schema):
    items: list[MessageOut]
    next_before: int | None = Field(
        description="Pass as `before` for the older messages; null when there are none."
    )


class MessagesQuery(Schema):
    before: Id | None = Field(None, description="Only messages older than this id.")
    limit: int = Field(30, ge=1, le=100)


class SendIn(Schema):
    body: str = Field(max_length=20000)
    client_id: str = Field(
        "",
        max_length=64,
        description="Your id for it: a retry with the "
        "same one answers the first message instead of posting twice.",
    )


class ReadIn(Schema):
    message_id: Id


class UnreadOut(Schema):
    unread: int


class ReportIn(Schema):
    reason: str = Field(max_length=1000)
