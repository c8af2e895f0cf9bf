"""The community API: reviews, Q&A, lesson comments, notes and announcements. Importing this
package registers every module's endpoints on the one router."""

from agora.community.api import discussions, reviews  # noqa: F401  (register their endpoints)
from agora.community.api.common import router

__all__ = ["router"]
