"""What the community app tells the apps above it (agora.core.events), each inside the
transaction that made it true."""

# answer, question: the asker or an instructor accepted the answer.
ANSWER_ACCEPTED = "community.answer_accepted"
# answer, question: the answer is no longer the accepted one.
ANSWER_UNACCEPTED = "community.answer_unaccepted"
# post_type ("question"|"answer"), post, voter, old, new: a vote was cast, changed or withdrawn.
VOTED = "community.voted"
# post_type ("question"|"answer"|"comment"|"announcement"), post: hidden or deleted.
POST_REMOVED = "community.post_removed"
