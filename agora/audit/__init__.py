"""The audit log: every admin action, written in the same transaction as the action itself.

Each app that lets an admin act (catalog's course review, accounts' suspensions, community's
review moderation, commerce's refunds, commission and payouts, moderation's reports) calls
`agora.audit.services.record` inside its own transaction, so an action and its entry commit
or roll back together. Entries are append-only: the model refuses updates and deletes, and
database triggers refuse them too (migration 0002)."""
