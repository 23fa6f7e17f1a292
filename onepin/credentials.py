"""Credential resolution and the credentials file (``~/.onepin/credentials``).

Resolution order, highest first: an explicit key (``--api-key``, ``token=``),
the ``ONEPIN_API_KEY`` environment variable, then a profile of the credentials
file. A key and its server are resolved together: a key given explicitly or
by ``ONEPIN_API_KEY`` goes to the explicit base URL, else ``ONEPIN_BASE_URL``,
else ``https://api.onepin.ai``, never to a URL saved in the file, and the file
is not read at all (no home directory is needed). A key from the file goes to
the explicit URL, else ``ONEPIN_BASE_URL``, else the profile's ``base_url``.

The profile is the one named (``--profile`` / ``profile=``), else
``ONEPIN_PROFILE``, else the file's top-level ``active_profile`` (set by
``onepin auth switch``), else ``[default]``.

The file is TOML, edited in place: only the chosen profile's ``api_key`` and
``base_url`` change, every comment, other key and other section stays as it
was. It is written with mode 0600 inside a 0700 directory, through a temporary
file, ``fsync`` and an atomic rename, under an exclusive lock, so an
interrupted or concurrent write never leaves it empty or half-written. A
symbolic link is written through to its target. A file that group or others
can read is refused on load; so is one that is not a regular file or is over
1 MiB. Keys are held as ``Secret``: their ``repr()`` is masked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinConfigurationError
from onepin._profiles import (
    ACTIVE_PROFILE,
    PROFILE,
    PROFILE_ENV,
    active_profile,
    check_profile,
    check_rewritable,
    chosen_profile,
    credentials_path,
    display_path,
    list_profiles,
    load_document,
    load_profile,
    profile_name,
    remove_profile,
    save_profile,
    section_of,
    set_active_profile,
)
from onepin._secret import Secret

__all__ = [
    "ACTIVE_PROFILE",
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "PROFILE",
    "PROFILE_ENV",
    "Credentials",
    "Inputs",
    "NoCredentialsError",
    "active_profile",
    "check_profile",
    "check_rewritable",
    "credentials_path",
    "display_path",
    "list_profiles",
    "load_profile",
    "profile_name",
    "remove_profile",
    "resolve",
    "resolve_inputs",
    "save_profile",
    "set_active_profile",
]

API_KEY_ENV = "ONEPIN_API_KEY"
BASE_URL_ENV = "ONEPIN_BASE_URL"
Source = Literal["explicit", "env", "file", "default"]


class NoCredentialsError(OnePinConfigurationError):
    """No key was given, set in ``ONEPIN_API_KEY`` or saved in the chosen profile."""


@dataclass(frozen=True)
class Credentials:
    """A resolved key and base URL, and where each came from; the key is a masked ``Secret``.

    ``path`` is the credentials file, ``None`` when there is no home directory
    to put it in (a key from the flag or the environment needs no file).
    """

    api_key: str
    base_url: str
    api_key_source: Source
    base_url_source: Source
    path: Path | None = None
    profile: str = PROFILE

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, Secret):
            object.__setattr__(self, "api_key", Secret(self.api_key))


@dataclass(frozen=True)
class Inputs:
    """What resolution reads from the caller and the environment, taken once.

    Keys are held as ``Secret`` and nothing else of the environment is kept,
    so a frame that holds an ``Inputs`` shows no key in a traceback's locals.
    """

    api_key: Secret | None = None
    base_url: str | None = None
    env_api_key: Secret | None = None
    env_base_url: str | None = None
    env_profile: str | None = None
    home: str | None = None
    """``$HOME``, ``None`` when unset."""

    @classmethod
    def take(
        cls, api_key: str | None, base_url: str | None, env: Mapping[str, str] | None
    ) -> Inputs:
        """The inputs from an explicit key and URL and ``env`` (``os.environ`` by default)."""
        env = os.environ if env is None else env
        return cls(
            _secret(api_key),
            base_url or None,
            _secret(env.get(API_KEY_ENV)),
            env.get(BASE_URL_ENV) or None,
            env.get(PROFILE_ENV) or None,
            env.get("HOME"),
        )

    @property
    def environ(self) -> dict[str, str]:
        """The ``HOME`` entry of the environment, as the path helpers take it."""
        return {} if self.home is None else {"HOME": self.home}


def _secret(value: str | None) -> Secret | None:
    return Secret(value.strip()) if value and value.strip() else None


def resolve(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    profile: str | None = None,
) -> Credentials:
    """Apply the resolution order; raise ``NoCredentialsError`` when no key is found.

    Other failures (a bad profile name, an unsafe or unreadable file) raise
    ``OnePinConfigurationError``.
    """
    inputs = Inputs.take(api_key, base_url, env)
    del api_key, env  # no local of this frame holds a key (or the environment) if it raises
    return resolve_inputs(inputs, path=path, profile=profile)


def resolve_inputs(
    inputs: Inputs, *, path: Path | None = None, profile: str | None = None
) -> Credentials:
    """``resolve()`` from ``Inputs`` already taken."""
    named = profile if profile is not None else inputs.env_profile
    if named is not None:
        check_profile(named)
    key = inputs.api_key or inputs.env_api_key
    if key is not None:  # the key's own source names its server: the file is not read
        source: Source = "explicit" if inputs.api_key else "env"
        url = inputs.base_url or inputs.env_base_url
        if path is None:
            with contextlib.suppress(OnePinConfigurationError):  # no home: no file, none needed
                path = credentials_path(env=inputs.environ)
        given: Source = _url_source(inputs) if url else "default"
        return Credentials(key, url or DEFAULT_BASE_URL, source, given, path, named or PROFILE)
    path = path or credentials_path(env=inputs.environ)
    doc = load_document(path)
    name = chosen_profile(doc, named)
    saved = {} if doc is None else section_of(doc, name, path)
    if not saved.get("api_key"):
        login = "onepin login" if name == PROFILE else f"onepin login --profile {name}"
        raise NoCredentialsError(
            f"No OnePin API key found: pass one explicitly, set {API_KEY_ENV}, "
            f"or run `{login}` to save one in {display_path(path, env=inputs.environ)}"
        )
    url = inputs.base_url or inputs.env_base_url
    if url:
        return Credentials(saved["api_key"], url, "file", _url_source(inputs), path, name)
    saved_url = saved.get("base_url")
    url_source: Source = "file" if saved_url else "default"
    return Credentials(
        saved["api_key"], saved_url or DEFAULT_BASE_URL, "file", url_source, path, name
    )


def _url_source(inputs: Inputs) -> Source:
    return "explicit" if inputs.base_url else "env"
