"""Headless Chromium for the browser tests (selenium + the system's chromium and chromedriver).

Where no browser is installed the tests that need one are skipped with INSTALL_HINT (they fail
instead under CI=true, since .ci/run installs one).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

import pytest

INSTALL_HINT = (
    "no headless Chromium here: install one with `apt-get install -y chromium chromium-driver` "
    "(Debian/Ubuntu; CI's .ci/run does it) and selenium with `pip install -r requirements.txt`"
)
# The network is closed here: without these Chromium stalls on refused connections.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) paths, or None."""
    browser = next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def require_browser() -> tuple[str, str]:
    """Skip the calling test, saying how to install one, where there is no Chromium or selenium."""
    found = find_browser()
    try:
        import selenium  # noqa: F401
    except ImportError:
        found = None
    if found is None:
        if os.environ.get("CI"):  # CI installs it (.ci/run): a missing browser there is a failure
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return found


@contextmanager
def chromium():
    """A fresh headless Chromium (own profile folder), always quit, even when the test fails."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = require_browser()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
        try:
            driver.set_page_load_timeout(60)
            driver.set_script_timeout(60)
            yield driver
        finally:
            driver.quit()


def console_errors(driver) -> list[str]:
    """The console's errors since the last call (the log is drained by reading it)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
