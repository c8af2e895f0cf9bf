"""What every discussion write shares: who may post where, the limits on text, the rate
limit, rendering Markdown (with `@Name` mentions as links) and removing posts."""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.queries import has_public_page
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course
from agora.community import events, permissions
from agora.community.errors import MembershipRequired, NotAuthor
from agora.community.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from agora.core import ratelimit
from agora.core.errors import InvalidInput
from agora.core.events import emit
from agora.core.markdown import render_markdown
from agora.learning.queries import active_learners

RATE_MESSAGE = "You are posting too fast. Wait a minute and try again."
# `@` then up to four words of a name ("@Ada Lovelace"); the longest run of words that is a
# course member's name wins. Not after a word character, so e-mail addresses are not mentions.
_MENTION = re.compile(r"(?<![\w@/])@(\w[\w'.-]*(?:[ \t]\w[\w'.-]*){0,3})")
MAX_MENTIONS = 10


def require_member(user: User, course: Course) -> None:
    if not permissions.is_course_member(user, course):
        raise MembershipRequired()


def require_author_or_admin(user: User, post: Any) -> None:
    if not permissions.can_change_post(user, post):
        raise NotAuthor()


def check_rate(user: User) -> None:
    """Posting is limited per person (COMMUNITY_POST_RATE_LIMIT), on the shared cache."""
    ratelimit.hit(
        HttpRequest(),
        group="community-posts",
        key=str(user.pk),
        rate=settings.COMMUNITY_POST_RATE_LIMIT,
        message=RATE_MESSAGE,
    )


def clean_text(
    value: str | None, *, field: str, max_length: int = BODY_MAX_LENGTH, required: bool = True
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(fields={field: ["This cannot be empty."]})
    if len(text) > max_length:
        raise InvalidInput(fields={field: [f"Keep it under {max_length} characters."]})
    return text


def clean_title(value: str | None) -> str:
    title = " ".join((value or "").split())
    return clean_text(title, field="title", max_length=TITLE_MAX_LENGTH)


@dataclass(frozen=True)
class Rendered:
    html: str
    mentioned: list[User]


def course_members_named(course: Course, names: set[str]) -> dict[str, User]:
    """Members of the course (instructors and active learners) whose name, in lower case, is
    one of `names`: one query, whatever the course's size."""
    if not names:
        return {}
    instructor_ids = [person.pk for person in catalog_queries.course_instructors(course)]
    people = (
        User.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names, is_active=True)
        .filter(Q(pk__in=instructor_ids) | Q(pk__in=active_learners(course).values("pk")))
        .order_by("pk")
    )
    found: dict[str, User] = {}
    for person in people:
        found.setdefault(person.lower_name, person)
    return found


def render(source: str, *, course: Course) -> Rendered:
    """The post's HTML: its Markdown sanitised like lessons' (links `nofollow ugc`), each
    `@Name` of a course member marked: a link to an instructor's public page, in bold for a
    learner (learners' pages are private)."""
    matches = list(_MENTION.finditer(source))[:MAX_MENTIONS]
    candidates: set[str] = set()
    for match in matches:
        words = match.group(1).split()
        candidates.update(" ".join(words[:k]).lower() for k in range(1, len(words) + 1))
    members = course_members_named(course, candidates)
    mentioned: dict[int, User] = {}
    pieces: list[str] = []
    position = 0
    for match in matches:
        spans = [word.span() for word in re.finditer(r"\S+", match.group(1))]
        for k in range(len(spans), 0, -1):
            name = match.group(1)[: spans[k - 1][1]]
            person = members.get(" ".join(name.split()).lower())
            if person is None:
                continue
            pieces.append(source[position : match.start()])
            if has_public_page(person):
                pieces.append(f"[@{name}]({reverse('public_profile', args=[person.pk])})")
            else:  # someone who keeps to themselves has no public page to link to
                pieces.append(f"**@{name}**")
            position = match.start(1) + len(name)
            mentioned[person.pk] = person
            break
    pieces.append(source[position:])
    html = render_markdown("".join(pieces), user_content=True)
    return Rendered(html=html, mentioned=list(mentioned.values()))


def remove(post: Any, *, by: User, hide: bool) -> None:
    """Take a post out of every list: `hide` (an admin's moderation) or delete (its author,
    or an admin deleting). The row stays for admins and for the moderation record."""
    now = timezone.now()
    emit(events.POST_REMOVED, post_type=post._meta.model_name, post=post)
    if hide:
        post.hidden_at = now
        post.hidden_by = by
        post.save(update_fields=["hidden_at", "hidden_by"])
    else:
        post.deleted_at = now
        post.save(update_fields=["deleted_at"])
