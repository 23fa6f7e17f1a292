"""The rate-limit pacer's arithmetic, on an injected clock."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onepin._pacing import RateLimitPacer, seconds_until_reset


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_headers_means_no_waiting() -> None:
    pacer = RateLimitPacer(Clock())
    assert [pacer.reserve() for _ in range(5)] == [0.0] * 5
    pacer.observe(None, None)
    pacer.observe("x", "1")
    assert pacer.reserve() == 0.0


def test_spreads_the_remaining_budget_over_the_window() -> None:
    clock = Clock()
    pacer = RateLimitPacer(clock)
    pacer.observe("10", "2.0")  # 10 requests left in 2 s: one every 0.2 s
    waits = [pacer.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6])
    clock.now += 1.0
    assert pacer.reserve() == pytest.approx(0.0)  # the slots already passed
    assert pacer.reserve() == pytest.approx(0.2)


def test_an_empty_budget_waits_for_the_reset() -> None:
    clock = Clock()
    pacer = RateLimitPacer(clock)
    pacer.observe("0", "1.5")
    assert pacer.reserve() == pytest.approx(1.5)
    clock.now += 1.5
    pacer.observe("99", "60")
    assert pacer.reserve() == 0.0  # the window reset: go now
    assert pacer.reserve() == pytest.approx(60 / 99, rel=1e-6)


def test_a_429_pushes_every_caller_back() -> None:
    clock = Clock()
    pacer = RateLimitPacer(clock)
    pacer.throttled(3.0)
    assert pacer.reserve() == pytest.approx(3.0)
    assert pacer.reserve() == pytest.approx(3.0)  # no interval known: same slot
    pacer.throttled(None)
    assert pacer.throttles == 2


def test_the_budget_is_the_last_remaining_count() -> None:
    pacer = RateLimitPacer(Clock())
    assert pacer.budget is None
    pacer.observe("7", "2.0")
    assert pacer.budget == 7
    pacer.observe("0", "2.0")
    assert pacer.budget == 0


class Wall:
    """A wall clock (epoch seconds), for a reset sent as an epoch."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("form", ["seconds", "epoch"])
def test_the_reset_may_be_seconds_until_it_or_an_epoch(form: str) -> None:
    clock, wall = Clock(), Wall()
    pacer = RateLimitPacer(clock, wall=wall)
    reset = "2.0" if form == "seconds" else str(int(wall.now) + 2)
    pacer.observe("10", reset)  # either way: 10 requests left in 2 s
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([0.0, 0.2, 0.4])
    pacer.observe("0", "1.5" if form == "seconds" else str(wall.now + 1.5))
    assert pacer.reserve() == pytest.approx(1.5)


def test_an_epoch_already_past_waits_for_nothing() -> None:
    wall = Wall()
    pacer = RateLimitPacer(Clock(), wall=wall)
    pacer.observe("0", str(int(wall.now) - 5))
    assert pacer.reserve() == 0.0


# A pacer forgets a rate limit once the server stops sending its headers.
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


NOT_FINITE = ["inf", "-inf", "nan", "1e999", "-1e999", "Infinity", "+NaN"]


@pytest.mark.parametrize("reset", NOT_FINITE)
@pytest.mark.parametrize("remaining", ["0", "5"])
def test_a_reset_that_is_not_a_finite_number_is_ignored(remaining: str, reset: str) -> None:
    """``inf`` and ``nan`` parse as floats, but name no window: as an invalid header, ignored."""
    with pytest.raises(ValueError, match=re.escape(reset)):
        seconds_until_reset(reset, Wall()())
    clock = Clock()
    pacer = RateLimitPacer(clock, wall=Wall())
    pacer.observe(remaining, reset)
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.budget is None
    pacer.observe("10", "5")  # a valid pair after it paces as ever
    assert [pacer.reserve() for _ in range(2)] == pytest.approx([0.0, 0.5])
    pacer.observe(remaining, reset)  # and a bad one then changes nothing
    assert pacer.reserve() == pytest.approx(1.0)
    pacer.observe(None, None)
    clock.now += 2.0
    assert pacer.reserve() == 0.0


header_number = (
    st.sampled_from(NOT_FINITE)
    | st.floats(-1e12, 1e12).map(repr)  # finite: seconds, or an epoch ahead or behind
    | st.integers(-(10**20), 10**20).map(str)
    | st.text(max_size=12)
)


@given(
    headers=st.lists(st.tuples(st.none() | header_number, st.none() | header_number), max_size=6),
    steps=st.lists(st.floats(0, 1e6), max_size=6),
)
def test_the_pacer_always_hands_out_a_finite_wait(
    headers: list[tuple[str | None, str | None]], steps: list[float]
) -> None:
    """Whatever rate-limit headers come, every wait handed out is finite and not negative."""
    clock = Clock()
    pacer = RateLimitPacer(clock, wall=Wall())
    for (remaining, reset), step in zip(headers, [*steps, *[0.0] * len(headers)], strict=False):
        pacer.observe(remaining, reset)
        clock.now += step
        wait = pacer.reserve()
        assert math.isfinite(wait)
        assert wait >= 0.0
