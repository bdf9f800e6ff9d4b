"""Repository-wide pytest set-up (also applies to nbval's notebook runs).

matplotlib builds its font cache on first import and says so on stderr; in a notebook kernel that
message would become a stored output and break nbval's comparison. Build it before anything runs.
"""


def pytest_configure(config):
    from selfeval.report.fonts import warm_font_cache

    warm_font_cache()


def pytest_runtest_makereport(item, call):
    """On CI a test skipped because a tool is missing is a failure: .ci/run installs every tool
    (Chromium, LibreOffice, poppler, msoffcrypto-tool), so such a skip means an install step broke."""
    import os

    import pytest

    if call.when != "setup" and call.when != "call":
        return None
    if not os.environ.get("CI") or call.excinfo is None or not call.excinfo.errisinstance(pytest.skip.Exception):
        return None
    reason = str(call.excinfo.value)
    if "not installed" in reason or "no way to" in reason:
        call.excinfo = None
        try:
            raise AssertionError(f"CI has every test tool, but this test was skipped: {reason}")
        except AssertionError:
            call.excinfo = pytest.ExceptionInfo.from_current()
    return None
