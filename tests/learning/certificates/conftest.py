"""The certificate tests that print addresses use one site address of their own."""

import pytest

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def site_url(settings):
    """The certificate's printed and emailed addresses start with SITE."""
    settings.SITE_URL = SITE
    return SITE
