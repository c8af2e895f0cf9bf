"""Moderation: where admins act on what others publish. Today the course review queue (pages
and API); reports and the audit log will live here. The apps that own the rows decide each
change (`catalog.services.approve_course`, ...): moderation never writes them itself."""
