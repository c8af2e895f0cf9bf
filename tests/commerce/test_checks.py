"""The deployment check that keeps the demo provider out of production."""

from django.core.checks import run_checks


def check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_demo_listed_in_production_without_the_opt_in_is_an_error(settings):
    settings.IS_PRODUCTION = True
    settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
    settings.DEMO_PAYMENTS_IN_PRODUCTION = False

    assert "commerce.E001" in check_ids()


def test_the_opt_in_passes(settings):
    settings.IS_PRODUCTION = True
    settings.PAYMENT_PROVIDERS = ["demo"]
    settings.DEMO_PAYMENTS_IN_PRODUCTION = True

    assert "commerce.E001" not in check_ids()


def test_development_passes_with_demo(settings):
    settings.IS_PRODUCTION = False
    settings.PAYMENT_PROVIDERS = ["demo"]
    settings.DEMO_PAYMENTS_IN_PRODUCTION = False

    assert "commerce.E001" not in check_ids()
