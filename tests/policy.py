"""Reading a Content-Security-Policy header the way a browser does: directive by directive.

The header's directive order is not fixed, so tests compare directives, never substrings.
"""


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }
