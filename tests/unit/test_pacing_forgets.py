"""A pacer forgets a rate limit once the server stops sending its headers."""

from __future__ import annotations

from onepin._pacing import RateLimitPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_removed_limit_stops_the_pacing() -> None:
    clock = Clock()
    pacer = RateLimitPacer(clock)
    pacer.observe("10", "5")  # 10 requests left in 5 s: one every half second
    assert pacer.reserve() == 0.0
    assert pacer.reserve() == 0.5
    assert pacer.budget == 10
    pacer.observe(None, None)  # the limit was removed: no rate-limit headers any more
    clock.now += 1.0  # past the slots already handed out
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.budget is None  # nor does the old budget bound a listing's window


def test_one_header_alone_changes_nothing() -> None:
    pacer = RateLimitPacer(Clock())
    pacer.observe("10", "5")
    pacer.observe("3", None)
    assert pacer.budget == 10
