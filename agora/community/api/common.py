"""The community app's one router; each module under api/ adds its endpoints to it."""

from ninja import Router

router = Router(tags=["community"])
