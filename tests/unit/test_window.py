"""The adaptive window's arithmetic: slow start, additive growth, decreases, caps."""

from __future__ import annotations

import pytest

from onepin._window import AdaptiveWindow


def run_round(window: AdaptiveWindow, latency: float, **kwargs: object) -> int:
    """Feed one round (a window's worth of pages) all at ``latency``; the new size."""
    for _ in range(window.size):
        window.on_page(latency, **kwargs)  # type: ignore[arg-type]
    return window.size


def test_slow_start_doubles_each_round_up_to_the_cap() -> None:
    window = AdaptiveWindow(cap=32)
    assert window.size == 1
    assert [run_round(window, 0.02) for _ in range(7)] == [2, 4, 8, 16, 32, 32, 32]


def test_throttling_halves_and_growth_turns_additive() -> None:
    window = AdaptiveWindow(cap=64)
    for _ in range(5):
        run_round(window, 0.02)
    assert window.size == 32
    assert run_round(window, 0.02, throttled=True) == 16
    assert [run_round(window, 0.02) for _ in range(3)] == [17, 18, 19]


def test_one_fast_page_in_a_round_means_the_server_held() -> None:
    window = AdaptiveWindow(cap=64)
    run_round(window, 0.02)
    run_round(window, 0.02)
    assert window.size == 4
    for latency in (0.03, 0.02, 0.035, 0.04):  # slower than the best, but one came fast
        window.on_page(latency)
    assert window.size == 8


def test_a_slow_round_cuts_by_a_quarter() -> None:
    window = AdaptiveWindow(cap=64)
    for _ in range(5):
        run_round(window, 0.02)
    assert window.size == 32
    assert run_round(window, 0.2) == 24
    assert run_round(window, 0.02) == 25  # the trouble passed: additive again


def test_a_server_slower_for_good_is_the_new_normal() -> None:
    window = AdaptiveWindow(cap=64)
    run_round(window, 0.02)
    sizes = [run_round(window, 0.2) for _ in range(60)]
    assert sizes[-1] > sizes[0]  # the best latency drifted up: growth resumed


def test_a_failure_counts_as_trouble() -> None:
    window = AdaptiveWindow(cap=8)
    for _ in range(4):
        run_round(window, 0.02)
    assert window.size == 8
    for _ in range(8):
        window.on_failure()
    assert window.size == 4


def test_never_above_the_rate_limit_budget_nor_below_one() -> None:
    window = AdaptiveWindow(cap=32)
    for _ in range(6):
        run_round(window, 0.02)
    window.on_page(0.02, budget=5)
    assert window.size == 5
    window.on_page(0.02, budget=0)
    assert window.size == 1
    window.on_page(0.02, budget=None)
    assert window.size == 32


def test_the_cap_is_checked() -> None:
    with pytest.raises(ValueError, match="cap"):
        AdaptiveWindow(cap=0)
    assert AdaptiveWindow(cap=1).size == 1


def test_pages_queueing_on_this_side_stop_the_growth() -> None:
    window = AdaptiveWindow(cap=64)
    for _ in range(4):
        run_round(window, 0.02)
    assert window.size == 16
    for i in range(16):  # a fast first page, then each one later: decoding cannot keep up
        window.on_page(0.02 + i * 0.01)
    assert window.size == 12
    assert run_round(window, 0.02) == 13  # and growth is additive from there
