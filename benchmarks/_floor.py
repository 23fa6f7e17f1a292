"""The measured floor of a listing: no client on this machine lists faster.

A listing of ``P`` pages takes at least the larger of:

- the round-trip bound: the first page comes alone (it tells the total), the
  other ``P - 1`` at most ``W`` at a time, where ``W`` is the window the client
  actually used (the most list requests the server held at once, read from its
  log); each round trip lasts at least as long as the fastest of a few page
  requests on a warm connection, measured just before each run;
- the CPU bound: the client CPU that a bare ``httpx`` + ``msgspec`` loop
  spends on the same pages, measured in the same run (one interpreter runs
  Python on one core at a time).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from benchmarks._emulator import LiveEmulator, Server
from benchmarks._harness import fresh, median
from benchmarks._listers import Run
from benchmarks._payloads import LIST_PATH
from onepin.testing import LoggedRequest


def _listing(entry: LoggedRequest) -> bool:
    return entry.method == "GET" and entry.path == LIST_PATH


def pages_listed(log: list[LoggedRequest]) -> int:
    """How many list requests the log holds."""
    return sum(1 for entry in log if _listing(entry))


def window_used(log: list[LoggedRequest], latency: float) -> int:
    """The most list requests the server held at once.

    The log stamps a request when its answer is ready, after the injected
    ``latency``: it was held over ``[at - latency, at]`` at least.
    """
    events: list[tuple[float, int]] = []
    for entry in log:
        if _listing(entry):
            events += [(entry.at - latency, 1), (entry.at, -1)]
    events.sort()  # at equal times an end (-1) comes first: touching is not overlapping
    held = most = 0
    for _, step in events:
        held += step
        most = max(most, held)
    return most


@dataclass(frozen=True)
class Floor:
    """The larger of the two bounds, and both."""

    round_trips: float
    cpu: float

    @property
    def seconds(self) -> float:
        """The floor itself."""
        return max(self.round_trips, self.cpu)

    @property
    def set_by(self) -> str:
        """Which bound sets the floor."""
        return "round trips" if self.round_trips >= self.cpu else "client CPU"

    def as_dict(self) -> dict[str, float | str]:
        """Both bounds, the floor and which bound sets it."""
        return {
            "seconds": self.seconds,
            "round_trips": self.round_trips,
            "cpu": self.cpu,
            "set_by": self.set_by,
        }


def floor(*, rtt: float, pages: int, window: int, cpu_per_page: float) -> Floor:
    """The floor of a listing of ``pages`` pages at ``window`` requests at a time."""
    trips = 1 + math.ceil(max(0, pages - 1) / max(1, window))
    return Floor(round_trips=trips * rtt, cpu=pages * cpu_per_page)


def round_trips(server: Server, samples: int, page_size: int = 100) -> list[float]:
    """Seconds of one page request on a warm connection, ``samples`` in a row."""
    params: dict[str, str | int] = {"offset": 0, "limit": page_size, "status": "active"}
    headers = {"Authorization": f"Bearer {server.token}"}
    out: list[float] = []
    with httpx.Client(base_url=server.url, headers=headers) as http:
        http.get(LIST_PATH, params=params).raise_for_status()  # open the connection
        for _ in range(samples):
            start = time.perf_counter()
            response = http.get(LIST_PATH, params=params)
            response.raise_for_status()
            out.append(time.perf_counter() - start)
    return out


@dataclass(frozen=True)
class Sample:
    """One listing run in a fresh interpreter, with what the server saw of it."""

    run: Run
    pages: int
    window: int
    rtt: float
    """The fastest of a few page round trips measured just before the run."""
    server_cpu: float
    """CPU seconds the emulator spent during the run."""


def observe(emu: LiveEmulator, lister: Callable[..., Run], *args: Any) -> Sample:
    """Run ``lister(emu.server, *args)`` in a fresh interpreter and read the emulator's log."""
    rtt = min(round_trips(emu.server, 5))
    emu.clear_log()
    cpu = emu.cpu_seconds()
    run = fresh(lister, emu.server, *args)
    server_cpu = emu.cpu_seconds() - cpu
    log = emu.request_log()
    return Sample(run, pages_listed(log), window_used(log, emu.latency), rtt, server_cpu)


@dataclass(frozen=True)
class Typical:
    """The medians of one way of listing over its runs."""

    wall: float
    cpu_per_page: float
    pages: int
    window: int
    server_cpu_per_page: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Typical:
        """The medians of ``samples``."""
        return cls(
            wall=median([s.run.wall for s in samples]),
            cpu_per_page=median([s.run.cpu / max(1, s.pages) for s in samples]),
            pages=round(median([s.pages for s in samples])),
            window=round(median([s.window for s in samples])),
            server_cpu_per_page=median([s.server_cpu / max(1, s.pages) for s in samples]),
        )


@dataclass(frozen=True)
class Medians:
    """The typical run of each way of listing, and the typical page round trip."""

    ways: dict[str, Typical]
    rtt: float

    @classmethod
    def of(cls, samples: dict[str, list[Sample]], keys: int) -> Medians:
        """The medians of each way's samples, once every run has seen all ``keys`` keys."""
        for way, runs in samples.items():
            seen = [s.run.keys for s in runs]
            if any(n != keys for n in seen):
                raise AssertionError(f"{way} listed {seen} keys, not {keys}")
        return cls(
            {way: Typical.of(runs) for way, runs in samples.items()},
            median([s.rtt for runs in samples.values() for s in runs]),
        )

    def __getitem__(self, way: str) -> Typical:
        return self.ways[way]

    def floor(self, way: str, cpu_per_page: float) -> Floor:
        """The floor of ``way``'s listing, at the window it used."""
        t = self.ways[way]
        return floor(rtt=self.rtt, pages=t.pages, window=t.window, cpu_per_page=cpu_per_page)

    def as_dict(self) -> dict[str, Any]:
        """Every median, for the JSON."""
        return {"round_trip_s": self.rtt, "ways": {way: asdict(t) for way, t in self.ways.items()}}
