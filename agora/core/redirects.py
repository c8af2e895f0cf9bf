"""Where a form may send people back to: a path on this site, never somewhere else."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_target(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """The form's `next` when it is one of this site's paths (not `//host`, not a scheme);
    otherwise `default`."""
    target = request.POST.get(field, "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return default
