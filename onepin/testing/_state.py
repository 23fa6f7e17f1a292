"""One emulator's state and the control operations on it (what tests and the admin API do).

The HTTP layers depend on this class; :class:`~onepin.testing.Emulator` extends
it with the ways to serve it, so nothing here imports the serving side.
"""

from __future__ import annotations

from collections.abc import Iterable

from onepin.testing._faults import Fault, FaultPlan
from onepin.testing._idempotency import IdempotencyCache
from onepin.testing._options import (
    KeyManagement,
    WhoAmIShape,
)
from onepin.testing._records import ALL_SCOPES, Account, CreatedKeyRow, KeyRow
from onepin.testing._requestlog import LoggedRequest, RequestLog
from onepin.testing._seeding import plain_rows, realistic_rows
from onepin.testing._store import Store

__all__ = ["EmulatorState"]


class EmulatorState:
    """The data, the pending faults, the request log and the knobs of one emulator.

    ``latency`` (seconds added to every API request), ``count_total`` (whether
    list answers carry ``pagination.total``) and ``key_management`` (who may call
    the ``/api/v1/api-keys`` endpoints: ``"session"``, only a session token, as
    documented; ``"any"``, any token with the scopes) and ``whoami_shape``
    (``"full"`` or ``"minimal"``, the official SDK 0.7.1's schema without
    ``email`` and ``key_name``) may change while it serves.
    """

    def __init__(
        self,
        *,
        store: Store,
        admin_token: str,
        latency: float = 0.0,
        count_total: bool = True,
        key_management: KeyManagement = "session",
        whoami_shape: WhoAmIShape = "full",
    ) -> None:
        self.store = store
        self.key_management: KeyManagement = key_management
        self.whoami_shape: WhoAmIShape = whoami_shape
        self.admin_token = admin_token
        self.latency = latency
        self.count_total = count_total
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.idempotency = IdempotencyCache()
        self.bootstrap = self.create_account(email="dev@onepin.test")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workspace_id={self.bootstrap.workspace_id!r})"

    # -- setup ------------------------------------------------------------------

    def create_account(self, email: str | None = None) -> Account:
        """A new workspace, its owner, an all-scopes key and a session token."""
        return self.store.create_account(email)

    def create_key(
        self,
        *,
        workspace_id: str | None = None,
        name: str = "key",
        scopes: Iterable[str] = ALL_SCOPES,
        rate_limit_per_min: int | None = None,
    ) -> CreatedKeyRow:
        """A key in ``workspace_id`` (default: the bootstrap one), with its secret."""
        return self.store.insert_key(
            workspace_id or self.bootstrap.workspace_id,
            name=name,
            scopes=scopes,
            rate_limit_per_min=rate_limit_per_min,
        )

    def seed_keys(
        self,
        count: int,
        *,
        seed: int | None = None,
        workspace_id: str | None = None,
        prefix: str = "seed",
    ) -> None:
        """Add ``count`` keys at once to ``workspace_id`` (default: the bootstrap one).

        Fast (100,000 keys in about a second) because nobody holds their secrets.

        Without ``seed`` they are plain: active, scope-less, unlimited, created now
        and named ``{prefix}-{n}`` in order. With a ``seed`` number they are
        realistic and reproducible, named ``{prefix}-{purpose}-{n}``: created over
        the past year (oldest first), a fifth never used, half used in the past
        week, one in eight with every scope, three in five rate-limited, one in
        twelve revoked; eight of them are one of each kind, so an audit of even
        a few keys finds rotation due, unused, all-scopes and unlimited keys.
        """
        workspace = workspace_id or self.bootstrap.workspace_id
        store = self.store
        owner = store.owner(workspace)  # keys made in setup, not through the API
        if seed is None:
            store.add_rows(workspace, plain_rows(workspace, count, prefix, store.now, owner))
            return
        rows = realistic_rows(
            workspace, count, seed=seed, now=store.now(), prefix=prefix, created_by=owner
        )
        store.add_rows(workspace, rows)

    def key(self, key_id: str) -> KeyRow | None:
        """A key row by id, whatever its workspace."""
        return self.store.get_row(key_id)

    # -- faults and log -----------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Queue ``fault`` for the next matching request(s)."""
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every pending fault."""
        self.faults.clear()

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every API request seen so far (admin calls excluded), secrets redacted."""
        return self.log.entries()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.log.clear()
