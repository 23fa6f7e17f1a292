"""The adaptive window's arithmetic, pure: the first round, cuts and regrowth, the last round."""

from __future__ import annotations

import pytest

from onepin._window import AdaptiveWindow


def run_round(window: AdaptiveWindow, latency: float, **kwargs: object) -> int:
    """Feed one round (a window's worth of pages) all at ``latency``; the new size."""
    for _ in range(window.size):
        window.on_page(latency, **kwargs)  # type: ignore[arg-type]
    return window.size


def started(cap: int, latency: float = 0.02, cpu: float = 0.001) -> AdaptiveWindow:
    window = AdaptiveWindow(cap=cap)
    assert window.size == 1  # the first page comes alone
    window.on_first_page(latency, cpu)
    return window


def test_the_first_page_sizes_the_first_full_window() -> None:
    # Round trips dominate (100 ms, 1 ms of CPU a page): as wide as the cap at once.
    assert started(32, latency=0.1, cpu=0.001).size == 32
    # Never narrower than a hand-written gather of 8, even when the CPU is the limit.
    assert started(32, latency=0.01, cpu=0.005).size == 8
    # In between: the pages one round trip leaves the CPU room for.
    assert started(64, latency=0.02, cpu=0.001).size == 21
    assert started(4, latency=0.1, cpu=0.001).size == 4  # the cap holds


def test_the_last_pages_join_the_current_round() -> None:
    window = started(32, latency=0.01, cpu=0.001)
    assert window.size == 11
    assert window.in_flight(None) == 11  # nothing known: the window
    assert window.in_flight(15) == 15  # 15 pages left: all now, not 11 then 4
    assert window.in_flight(40) == 11  # too many to take at once
    assert started(8, latency=0.1).in_flight(12) == 8  # never past the cap


def test_a_cut_regrows_fast_without_slow_start() -> None:
    window = started(64, latency=0.02, cpu=0.0005)
    assert window.size == 41
    assert run_round(window, 0.02, throttled=True) == 20  # a 429 halves it
    assert [run_round(window, 0.02) for _ in range(2)] == [30, 41]  # by half, to where it was
    assert run_round(window, 0.02) == 41  # and no further: the CPU has no room for more


def test_healthy_rounds_never_grow_past_the_cpus_room() -> None:
    # 10 ms round trips, 1 ms of CPU a page: 11 pages keep the CPU busy; more only queue.
    window = started(32, latency=0.01, cpu=0.001)
    assert [run_round(window, 0.01) for _ in range(20)] == [11] * 20
    # Even when the CPU is the limit from the start, a hand-written gather's width holds.
    window = started(32, latency=0.01, cpu=0.005)
    assert [run_round(window, 0.01) for _ in range(5)] == [8] * 5


def test_healthy_rounds_grow_by_an_eighth_as_room_grows_up_to_the_cap() -> None:
    window = started(32, latency=0.01, cpu=0.001)
    # The server got slower for good (not queueing): longer round trips leave more room.
    assert [run_round(window, 0.02) for _ in range(6)] == [11, 12, 13, 13, 14, 14]
    for _ in range(60):
        run_round(window, 0.02)
    assert window.size == 21  # 20 ms over 1 ms of CPU, and one more
    for _ in range(60):
        run_round(window, 0.2)
    assert window.size == 32


def test_a_slow_round_cuts_by_a_quarter() -> None:
    window = started(64, latency=0.02, cpu=0.0005)
    assert run_round(window, 0.2) == 30  # the server queues
    assert run_round(window, 0.02) == 41  # the trouble passed: back fast


def test_a_server_slower_for_good_is_the_new_normal() -> None:
    window = started(64)
    sizes = [run_round(window, 0.2) for _ in range(60)]
    assert sizes[-1] > min(sizes)  # the best latency drifted up: growth resumed


def test_a_failure_counts_as_trouble() -> None:
    window = started(8, latency=0.1)
    assert window.size == 8
    for _ in range(8):
        window.on_failure()
    assert window.size == 4


def test_never_above_the_rate_limit_budget_nor_below_one() -> None:
    window = started(32, latency=0.1)
    window.on_page(0.02, budget=5)
    assert window.size == 5
    assert window.in_flight(3) == 5  # a budget is not widened past
    window.on_page(0.02, budget=0)
    assert window.size == 1
    window.on_page(0.02, budget=None)
    assert window.size == 32


def test_the_cap_is_checked() -> None:
    with pytest.raises(ValueError, match="cap"):
        AdaptiveWindow(cap=0)
    assert AdaptiveWindow(cap=1).size == 1


def test_pages_queueing_on_this_side_cut_it() -> None:
    window = started(64, latency=0.02, cpu=0.0025)
    assert window.size == 9
    for i in range(9):  # a fast first page, then each one later: decoding cannot keep up
        window.on_page(0.02 + i * 0.01)
    assert window.size == 6
    assert run_round(window, 0.02) == 9  # and it regrows fast to where it was


def test_the_room_follows_the_cpu_each_round_costs() -> None:
    # The first page paid one-time costs (4 ms of CPU at 20 ms): a gather of 8 to start.
    window = started(32, latency=0.02, cpu=0.004)
    assert window.size == 8
    clock = 0.0
    sizes = []
    for _ in range(5):  # then each page costs 1 ms of the process's CPU: room for 21
        for _ in range(window.size):
            clock += 0.001
            window.on_page(0.02, clock=clock)
        sizes.append(window.size)
    assert sizes == [12, 18, 20, 21, 21]  # by half while far below the room, then an eighth
    for _ in range(3):  # pages cost 4 ms again (say, the consumer works on each key)
        for _ in range(window.size):
            clock += 0.004
            window.on_page(0.02, clock=clock)
    assert window.size == 21  # no growth past the room; not cut while no page queues
