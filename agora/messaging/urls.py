from django.urls import path

from agora.messaging import views

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/start/", views.start, name="messages_start"),
    path("messages/<int:conversation_id>/", views.thread, name="messages_thread"),
    path("messages/<int:conversation_id>/send/", views.send, name="messages_send"),
    path(
        "messages/<int:conversation_id>/m/<int:message_id>/",
        views.message_fragment,
        name="messages_fragment",
    ),
    path("messages/block/<int:user_id>/", views.block, name="messages_block"),
    path("courses/<slug:slug>/chat/", views.course_chat, name="course_chat"),
    path("courses/<slug:slug>/chat/panel/", views.course_chat_panel, name="course_chat_panel"),
]
