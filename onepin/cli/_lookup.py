"""Naming a key on the command line: by id, or by its unique name; and the own-key guard."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from onepin.cli._errors import CliError
from onepin.cli._render import fmt, key_status

if TYPE_CHECKING:
    import onepin_sync
    from onepin._models import ApiKey

__all__ = ["find_key", "guard_own_key"]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def find_key(client: onepin_sync.OnePinClient, ref: str) -> ApiKey:
    """A key by id, or by its unique name (active keys first, then revoked ones)."""
    if _is_uuid(ref):
        return client.api_keys.get(ref)
    for status in ("active", "all"):
        matches = [k for k in client.api_keys.list(status=status) if k.name == ref]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            listing = "\n".join(
                f"  {k.id}  {k.preview or '-'}  {key_status(k)}  created {fmt(k.created_at)}"
                for k in matches
            )
            raise CliError(
                f'The name "{ref}" matches {len(matches)} keys; name one by id:\n{listing}',
                code="AMBIGUOUS_NAME",
            )
    raise CliError(f'No API key with id or name "{ref}"', code="NOT_FOUND")


def guard_own_key(client: onepin_sync.OnePinClient, target: ApiKey, force: bool, verb: str) -> None:
    """Refuse to ``verb`` the key this command runs with, unless ``force``."""
    me = client.auth.whoami()
    if me.api_key_id == target.id and not force:
        raise CliError(
            f'"{target.name}" is the key this command is using; pass --force to {verb} it anyway',
            code="KEY_IN_USE",
        )
