"""Repository-wide pytest set-up (also applies to nbval's notebook runs).

matplotlib builds its font cache on first import and says so on stderr; in a notebook kernel that
message would become a stored output and break nbval's comparison. Build it before anything runs.
"""


def pytest_configure(config):
    from selfeval.fonts import warm_font_cache

    warm_font_cache()
