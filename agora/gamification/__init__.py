"""Gamification: XP, levels, badges, learning streaks and leaderboards.

It listens to what happens in the apps below it (`agora.core.events`): a lesson completed, a
quiz passed, a course completed, an answer accepted, a vote received, an enrollment revoked by
a refund, a post hidden or deleted. Each award is a row of an append-only ledger with a unique
cause (person, rule, object), written in the same transaction as its cause, so a cause pays
once however often or concurrently it repeats; taking back writes a reversal row. Totals,
levels and leaderboard scores are derived from the ledger and can be rebuilt from it.
"""
