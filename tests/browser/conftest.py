"""Headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
scripts/system-deps.sh) driven through Selenium against pytest-django's live server.

Without the browser the tests skip locally and fail under CI=true. Screenshots go to
test-artifacts/browser/ (or $BROWSER_ARTEFACTS_DIR)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTEFACTS = Path(
    os.environ.get("BROWSER_ARTEFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts" / "browser")
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (requirements/dev.txt)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} not found: run `bash scripts/system-deps.sh` (Debian chromium and chromium-driver)"
    return None


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """Transactional tests flush the database, content types included, and post_migrate creates
    them again under new ids; the live server's requests must not use ids cached before that."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def browser():
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI: {reason}")
        print(f"skipping browser test: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
