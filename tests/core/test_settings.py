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
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_SETTINGS_MODULE"}
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
