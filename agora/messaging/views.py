"""The inbox pages. Reading and sending work without JavaScript; live.js adds live updates."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agora.accounts.models import User
from agora.catalog import queries as catalog_queries
from agora.core.errors import DomainError, NotFound
from agora.core.redirects import local_target
from agora.messaging import queries, services
from agora.messaging.models import ConversationKind, Message


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context = {"conversations": queries.conversations_of(user), "current": None}
    return _private(render(request, "messaging/inbox.html", context))


@login_required
def thread(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = cast(User, request.user)
    conversation = queries.conversation_for(user, conversation_id)
    before = request.GET.get("before", "")
    page = queries.messages_of(
        conversation, before=int(before) if before.isdigit() else None, limit=queries.PAGE_SIZE
    )
    if page.items and not before:
        services.mark_read(user, conversation, page.items[0].pk)
    current = queries.describe(user, conversation)
    partner = None
    if conversation.kind == ConversationKind.DIRECT:
        partner = next((m for m in current.members if m.pk != user.pk), None)  # type: ignore[attr-defined]
    context = {
        "conversations": queries.conversations_of(user),
        "current": current,
        "items": list(reversed(page.items)),
        "next_before": page.next_before,
        "partner": partner,
        "blocked": partner is not None and services.is_blocked(user, partner),
    }
    return _private(render(request, "messaging/inbox.html", context))


@login_required
@require_POST
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = cast(User, request.user)
    conversation = queries.conversation_for(user, conversation_id)
    try:
        services.send_message(user, conversation, request.POST.get("body", ""))
    except DomainError as error:
        problems = [m for ms in error.fields.values() for m in ms] or [error.message]
        messages.error(request, " ".join(problems))
    return HttpResponseRedirect(reverse("messages_thread", args=[conversation.pk]) + "#composer")


@login_required
def message_fragment(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """One message as the thread shows it (live.js appends it when it arrives)."""
    user = cast(User, request.user)
    conversation = queries.conversation_for(user, conversation_id)
    message = get_object_or_404(
        Message.objects.select_related("sender"),
        pk=message_id,
        conversation=conversation,
        removed_at__isnull=True,
    )
    return _private(render(request, "messaging/_message.html", {"message": message}))


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """ "Message the instructor" (and admins' "Message"): opens the pair's conversation."""
    user = cast(User, request.user)
    other = User.objects.filter(pk=_user_id(request.POST.get("user_id")), is_active=True).first()
    try:
        if other is None:
            raise NotFound("There is no such person.")
        conversation, _ = services.start_direct(user, other)
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("inbox"))
    return HttpResponseRedirect(reverse("messages_thread", args=[conversation.pk]))


@login_required
def course_chat(request: HttpRequest, slug: str) -> HttpResponse:
    user = cast(User, request.user)
    course = catalog_queries.get_course_for_viewer(user=user, key=slug)
    conversation = services.course_chat(user, course)
    return HttpResponseRedirect(reverse("messages_thread", args=[conversation.pk]))


@login_required
def course_chat_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The course chat inside the player: its latest messages and a composer."""
    user = cast(User, request.user)
    course = catalog_queries.get_course_for_viewer(user=user, key=slug)
    conversation = services.course_chat(user, course)
    page = queries.messages_of(conversation, before=None, limit=queries.PAGE_SIZE)
    if page.items:
        services.mark_read(user, conversation, page.items[0].pk)
    context = {
        "current": conversation,
        "items": list(reversed(page.items)),
        "next_before": page.next_before,
    }
    return _private(render(request, "messaging/_chat_panel.html", context))


@login_required
@require_POST
def block(request: HttpRequest, user_id: int) -> HttpResponse:
    user = cast(User, request.user)
    other = get_object_or_404(User, pk=_user_id(str(user_id)))
    if request.POST.get("undo"):
        services.unblock(user, other)
        messages.success(request, f"{other.name or 'They'} can message you again.")
    else:
        services.block(user, other)
        messages.success(request, f"{other.name or 'They'} can no longer message you.")
    return HttpResponseRedirect(local_target(request, reverse("inbox")))


def _user_id(value: str | None) -> int:
    """A person's id from a form; 0 (nobody) for anything that is not one."""
    try:
        number = int(value or "0")
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0
