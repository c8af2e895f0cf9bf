"""Production mode refuses unsafe configuration and passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "7Gq2-Vz9!pL3xR8wN1mC5tY0uE4iO6aS"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "PAYMENT_PROVIDERS",
            "DEMO_PAYMENTS_IN_PRODUCTION",
        }
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = manage(
        "check", AGORA_ENV="production", ALLOWED_HOSTS="agora.example", AGORA_VAR_DIR=str(tmp_path)
    )

    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = manage(
        "check", AGORA_ENV="production", SECRET_KEY=GOOD_KEY, AGORA_VAR_DIR=str(tmp_path)
    )

    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deployment_checklist(tmp_path: Path) -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        AGORA_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="agora.example",
        AGORA_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_needs_no_variables_at_all(tmp_path: Path) -> None:
    result = manage("check", AGORA_VAR_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr


def production(tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        "AGORA_ENV": "production",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "agora.example",
        "AGORA_VAR_DIR": str(tmp_path),
        **env,
    }


SHOW_PROVIDERS = (
    "from django.conf import settings; from agora.commerce import providers; "
    "print(settings.PAYMENT_PROVIDERS, providers.enabled())"
)


class TestPaymentProvidersInProduction:
    def test_no_provider_is_enabled_by_default(self, tmp_path: Path) -> None:
        result = manage("shell", "-v", "0", "-c", SHOW_PROVIDERS, **production(tmp_path))

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "[] []"

    def test_production_collects_and_fingerprints_every_static_file(self, tmp_path: Path) -> None:
        # The manifest storage follows every url() and source map a file names: one that is
        # missing (a vendored script's map) fails the deployment, and every page with it.
        result = manage("collectstatic", "--noinput", "-v", "0", **production(tmp_path))

        assert result.returncode == 0, result.stderr
        manifest = tmp_path / "staticfiles" / "staticfiles.json"
        assert "vendor/tus/tus.min.js" in manifest.read_text()

    def test_development_keeps_the_demo_provider_by_default(self, tmp_path: Path) -> None:
        result = manage("shell", "-v", "0", "-c", SHOW_PROVIDERS, AGORA_VAR_DIR=str(tmp_path))

        assert result.stdout.strip() == "['demo'] ['demo']", result.stderr

    def test_listing_demo_without_the_opt_in_refuses_to_start(self, tmp_path: Path) -> None:
        result = manage("check", "--deploy", **production(tmp_path, PAYMENT_PROVIDERS="demo"))

        assert result.returncode != 0
        assert "DEMO_PAYMENTS_IN_PRODUCTION=true" in result.stderr

    def test_demo_added_by_a_settings_module_fails_the_deployment_check(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "demo_site_settings.py").write_text(
            "from agora.settings.base import *  # noqa\nPAYMENT_PROVIDERS = ['stripe', 'demo']\n"
        )

        result = manage(
            "check",
            "--deploy",
            **production(
                tmp_path,
                DJANGO_SETTINGS_MODULE="demo_site_settings",
                PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
            ),
        )

        assert result.returncode != 0
        assert "commerce.E001" in result.stderr

    def test_the_opt_in_enables_demo_and_passes_the_deployment_checklist(
        self, tmp_path: Path
    ) -> None:
        env = production(tmp_path, PAYMENT_PROVIDERS="demo", DEMO_PAYMENTS_IN_PRODUCTION="true")

        checked = manage("check", "--deploy", "--fail-level", "WARNING", **env)
        shown = manage("shell", "-v", "0", "-c", SHOW_PROVIDERS, **env)

        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert shown.stdout.strip() == "['demo'] ['demo']", shown.stderr


def test_the_development_site_shows_its_own_404_page_not_django_debug_pages(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings; from django.test import Client;"
        "response = Client(HTTP_HOST='127.0.0.1').get('/no-such-page/');"
        "print(settings.DEBUG, response.status_code, b'URLconf' in response.content,"
        " b'Page not found' in response.content)"
    )
    result = manage("shell", "-c", code, AGORA_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["False", "404", "False", "True"]
    asked = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        AGORA_VAR_DIR=str(tmp_path),
        DEBUG="true",
    )
    assert asked.stdout.split()[-1] == "True"


SHOW_DATABASE_OPTIONS = (
    "from django.conf import settings; "
    "print(settings.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
)


class TestPreparedStatements:
    """Only the prepared queries (agora/core/prepared.py) ask for them; the option lets the
    connection keep them, and a pooler that cannot is served by turning it off."""

    POSTGRES = "postgres://agora@127.0.0.1:5432/agora"

    def options(self, tmp_path: Path, **env: str) -> str:
        result = manage(
            "shell", "-v", "0", "-c", SHOW_DATABASE_OPTIONS, **production(tmp_path, **env)
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def test_allowed_on_postgresql_by_default(self, tmp_path: Path) -> None:
        assert int(self.options(tmp_path, DATABASE_URL=self.POSTGRES)) > 1_000_000

    def test_turned_off_for_a_pooler_that_cannot_keep_them(self, tmp_path: Path) -> None:
        assert (
            self.options(tmp_path, DATABASE_URL=self.POSTGRES, DATABASE_PREPARED_STATEMENTS="false")
            == "None"
        )

    def test_never_on_sqlite(self, tmp_path: Path) -> None:
        sqlite = f"sqlite:///{tmp_path / 'agora.sqlite3'}"
        assert self.options(tmp_path, DATABASE_URL=sqlite) == "None"
