"""``onepin auth status`` and ``onepin auth switch``: the saved profiles, as gh shows accounts."""

from __future__ import annotations

__all__ = ["profile_names"]


def profile_names() -> list[str]:
    """The names of the profiles saved in the credentials file (none when it cannot be read)."""
    from onepin._exceptions import OnePinConfigurationError
    from onepin.credentials import credentials_path, list_profiles

    try:
        return [name for name, _ in list_profiles(credentials_path())]
    except OnePinConfigurationError:
        return []
