"""The steps of a rotation after the new key exists: check, save, then retire the old key.

Whatever fails once the new key exists, the new key is shown (its secret
unless it was saved), and what is known about the old key is said as it is:
revoked, still working, or unknown (with the command that checks it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from onepin.cli._client import open_client, with_key
from onepin.cli._context import settings
from onepin.cli._errors import CliError
from onepin.cli._idempotency import recoverable
from onepin.cli._output import escape
from onepin.cli._render import show_secret

if TYPE_CHECKING:
    from onepin._models import ApiKey, CreatedApiKey
    from onepin.cli._manage import KeyCalls
    from onepin.credentials import Credentials

__all__ = ["Rotation", "check_saved", "saved_credentials"]

NAME_LIMIT = 120
"""The longest key name the API takes."""


def saved_credentials(creds: Credentials) -> Credentials:
    """The saved profile's key and base URL, for ``--save``."""
    from onepin.credentials import display_path, load_profile

    saved = load_profile(creds.path, creds.profile)
    if not saved.get("api_key"):
        raise CliError(
            f"--save: no key is saved in {display_path(creds.path)}", code="NOT_SAVED_KEY"
        )
    return dataclasses.replace(
        creds,
        api_key=saved["api_key"],
        api_key_source="file",
        base_url=saved.get("base_url", creds.base_url),
    )


def check_saved(saved: Credentials, target: ApiKey) -> None:
    """Refuse ``--save`` unless ``target`` is the saved key."""
    from onepin.credentials import display_path

    with open_client(saved) as client:
        if client.auth.whoami().api_key_id != target.id:
            raise CliError(
                f'--save: "{escape(target.name)}" is not the key saved in '
                f"{display_path(saved.path)}",
                code="NOT_SAVED_KEY",
            )


def delete_command(key_id: str, creds: Credentials, *, force: bool) -> str:
    """The command that revokes ``key_id`` (``--force`` only when the CLI still runs with it)."""
    from onepin.credentials import PROFILE

    profile = "" if creds.profile == PROFILE else f" --profile {creds.profile}"
    return f"onepin api-keys delete {key_id} --yes{' --force' if force else ''}{profile}"


@dataclass
class Rotation:
    """One rotation: the old key, where the new one is checked and saved, how it is shown."""

    calls: KeyCalls
    target: ApiKey
    creds: Credentials
    """The key and server the new key is checked at, and saved to with ``save``."""
    save: bool
    quiet: bool
    reveal: bool
    idempotency_key: str
    """Sent with the create or rotate (see ``_idempotency``)."""

    @property
    def saved_to(self) -> str | None:
        """Where the new key was saved, as shown (``None``: not saved)."""
        from onepin.credentials import display_path

        return display_path(self.creds.path) if self.save else None

    def show(self, new: CreatedApiKey, action: str, *, saved: bool = True) -> None:
        """Show ``new``: masked once saved, unless ``--show-secret``."""
        show_secret(
            settings().out,
            new,
            action,
            self.saved_to if saved else None,
            quiet=self.quiet,
            reveal=self.reveal,
        )

    @contextlib.contextmanager
    def keeping(self, new: CreatedApiKey, action: str) -> Iterator[None]:
        """If anything fails in the block, show the new (unsaved) key before the error."""
        try:
            yield
        except BaseException:
            self.show(new, action, saved=False)
            raise

    def verify(self, new: CreatedApiKey) -> None:
        """Check ``new`` with ``whoami`` at the server; with ``save``, save it there too."""
        from onepin.credentials import save_profile

        with open_client(with_key(self.creds, new.api_key)) as check:
            if check.auth.whoami().api_key_id != new.id:
                raise CliError(
                    "The new key answers as another key; it was not saved", code="MISMATCH"
                )
        if self.save:
            creds = self.creds
            save_profile(new.api_key, creds.base_url, creds.path, profile=creds.profile)

    def _old_in_use(self) -> bool:
        """Whether the CLI still runs with the old key once this rotation is done."""
        return not self.save and self.calls.own_key_id() == self.target.id

    def overlap(self, grace: tuple[str, dt.timedelta] | None) -> CreatedApiKey:
        """Create the successor, check (and save) it, then revoke the old key or keep it."""
        target = self.target
        self.calls.own_key_id()  # asked now, while the old key still works
        with recoverable(self.idempotency_key):
            new = self.calls.client.api_keys.create(
                name=target.name,
                scopes=list(target.scopes),
                rate_limit_per_min=target.rate_limit_per_min,
                idempotency_key=self.idempotency_key,
            )
        with self.keeping(new, "Created (the old key still works); new"):
            self.verify(new)
        if grace is not None:
            self._keep_old(new, *grace)
            return new
        problem = self._revoke_old()
        if problem is not None:
            self.show(new, "Created and checked; new")
            raise CliError(problem[0], code=problem[1])
        settings().out.message(f'Revoked the old key "{escape(target.name)}" ({target.id})')
        return new

    def _keep_old(self, new: CreatedApiKey, grace: str, span: dt.timedelta) -> None:
        """Leave the old key working, renamed so that its name now names ``new`` alone."""
        out, target = settings().out, self.target
        now = dt.datetime.now(dt.UTC)
        suffix = f".old-{now:%Y%m%dT%H%MZ}"
        renamed = target.name[: NAME_LIMIT - len(suffix)] + suffix
        try:
            self.calls.client.api_keys.update(target.id, name=renamed)
            named = (
                f', renamed "{escape(renamed)}" so that "{escape(target.name)}" '
                "names only the new key"
            )
        except Exception as exc:  # the rotation is done; the name is a convenience
            named = f" (could not rename it: {exc}; name it by id until it is revoked)"
        when = (now + span).isoformat(timespec="minutes").replace("+00:00", "Z")
        command = delete_command(target.id, self.creds, force=self._old_in_use())
        out.message(
            f'New key "{escape(new.name)}" ({new.id}). '
            f"The old key ({target.id}) still works{named}. "
            f"After {grace} ({when}), revoke it with:\n  {command}"
        )

    def _revoke_old(self) -> tuple[str, str] | None:
        """Revoke the old key: ``None`` when it is revoked, else what is known and a code."""
        from onepin import (
            APIConnectionError,
            APIResponseValidationError,
            APIStatusError,
            AuthenticationError,
            GoneError,
        )

        target, calls = self.target, self.calls
        head = (
            f'The new key is ready, but revoking the old key "{escape(target.name)}" ({target.id})'
        )
        command = delete_command(target.id, self.creds, force=self._old_in_use())
        try:
            calls.client.api_keys.delete(target.id)
        except GoneError:
            return None  # an earlier attempt of this call revoked it
        except AuthenticationError:
            if calls.manager.session_from is not None or calls.own_key_id() != target.id:
                raise
            return None  # the old key itself made the call, and the server no longer takes it
        except (APIConnectionError, APIResponseValidationError, APIStatusError) as exc:
            sent = not isinstance(exc, APIConnectionError) or exc.request_sent
            status = exc.status_code if isinstance(exc, APIStatusError) else None
            if sent and (status is None or status >= 500):
                return (
                    f"{head} may or may not have been applied ({exc}): the outcome is unknown. "
                    f"Check with:\n  onepin api-keys get {target.id}\n"
                    f"and if its status is still active, revoke it with:\n  {command}",
                    "OUTCOME_UNKNOWN",
                )
            return (
                f"{head} failed ({exc}); the old key still works. Revoke it with:\n  {command}",
                "REVOKE_FAILED",
            )
        return None
