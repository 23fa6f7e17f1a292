"""``python -m onepin.testing``: serve the emulator on a loopback port until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import NoReturn

from onepin.testing._options import KEY_MANAGEMENT_MODES, RESET_FORMATS, WHOAMI_SHAPES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m onepin.testing", description="Serve the local OnePin API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port (0: any free port) (default: %(default)s)"
    )
    parser.add_argument("--seed-keys", type=int, default=0, metavar="N", help="keys to pre-create")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="NUMBER",
        help="make the seeded keys realistic (ages over a year, some unused, some with every "
        "scope, some rate-limited, some revoked), the same for the same NUMBER",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument(
        "--rate-limit-window", type=float, default=60.0, help="rate-limit window in seconds"
    )
    parser.add_argument("--admin-token", default=None, help="token of the /_emulator/ control API")
    parser.add_argument(
        "--no-count-total",
        dest="count_total",
        action="store_false",
        help="leave pagination.total out of list answers",
    )
    parser.add_argument(
        "--key-management",
        choices=KEY_MANAGEMENT_MODES,
        default="session",
        help="who may call /api/v1/api-keys: 'session' (only a session token, as documented; "
        "API keys get 403 SESSION_TOKEN_REQUIRED) or 'any' (any token) (default: %(default)s)",
    )
    parser.add_argument(
        "--whoami-shape",
        choices=WHOAMI_SHAPES,
        default="full",
        help="whoami's shape: 'full' (with email and key_name) or 'minimal' (the official "
        "SDK 0.7.1's schema, without them) (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit-reset",
        choices=RESET_FORMATS,
        default="seconds",
        help="X-RateLimit-Reset as the seconds until the window resets, or as the epoch time "
        "it resets at (what the official SDK 0.7.1 reads) (default: %(default)s)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="once listening, print one JSON line (base_url, admin_token, account) "
        "instead of the banner",
    )
    return parser


def _stop_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, seed, print how to connect, and serve."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.seed_keys < 0 or args.latency < 0 or args.rate_limit_window <= 0:
        parser.error("--seed-keys and --latency must be >= 0, --rate-limit-window > 0")
    if args.seed is not None and not args.seed_keys:
        parser.error("--seed needs --seed-keys N")

    import msgspec

    from onepin.testing._emulator import Emulator, RunningEmulator
    from onepin.testing._extra import ExtraMissing
    from onepin.testing._serve import Ready

    try:
        emulator = Emulator(
            seed_keys=args.seed_keys,
            seed=args.seed,
            latency=args.latency,
            rate_limit_window=args.rate_limit_window,
            admin_token=args.admin_token,
            count_total=args.count_total,
            key_management=args.key_management,
            whoami_shape=args.whoami_shape,
            rate_limit_reset=args.rate_limit_reset,
        )
        server = RunningEmulator(emulator, args.host, args.port)
        server.start()
    except (ExtraMissing, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    boot = emulator.bootstrap
    if args.json:
        ready = Ready(server.base_url, emulator.admin_token, boot)
        print(msgspec.json.encode(ready).decode(), flush=True)
    else:
        print(f"OnePin emulator listening on {server.base_url}", flush=True)
        print("Point the onepin command and OnePinClient.from_env() at it (paste into a shell):")
        print(f"  export ONEPIN_BASE_URL={server.base_url}")
        print(f"  export ONEPIN_API_KEY={boot.api_key}")
        print(f"  export ONEPIN_SESSION_TOKEN={boot.session_token}   # manages keys")
        print(f"  key management: {emulator.key_management} (--key-management)")
        seeded = f"{args.seed_keys}" + (
            "" if args.seed is None else f" (realistic, seed {args.seed})"
        )
        print(f"  workspace: {boot.workspace_id}   seeded keys: {seeded}")
        print(f"  admin token (/_emulator/): {emulator.admin_token}")
        print("Press Ctrl-C to stop.", flush=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        threading.Event().wait()  # until Ctrl-C or SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
