"""People recognise "Firefox 133 on Windows 10", not a User-Agent header: the sessions page
names browsers and apps with ua-parser's maintained rules."""

from functools import lru_cache

from ua_parser import parse

_UNKNOWN = {"Other", "Generic Smartphone", "Generic Feature Phone", "Spider"}


def _named(family: str | None, version: str | None = None) -> str:
    if not family or family in _UNKNOWN:
        return ""
    return f"{family} {version}" if version else family


@lru_cache(maxsize=1024)
def describe(user_agent: str | None, unknown: str = "Unknown browser") -> str:
    """ "Chrome 131 on Windows 10", "Mobile Safari 17 on iPhone (iOS 17)", "curl 8"; what is
    not recognised is shown as sent (shortened), and nothing at all as `unknown`."""
    text = (user_agent or "").strip()
    if not text:
        return unknown
    result = parse(text)
    browser = _named(result.user_agent.family, result.user_agent.major) if result.user_agent else ""
    system = _named(result.os.family, result.os.major) if result.os else ""
    device = ""
    if result.device and result.device.brand and result.device.family not in _UNKNOWN:
        device = result.device.family
    if not browser:
        return text if len(text) <= 60 else text[:59] + "…"
    where = f"{device} ({system})" if device and system else device or system
    return f"{browser} on {where}" if where else browser
