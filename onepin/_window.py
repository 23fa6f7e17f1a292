"""How many pages a listing keeps in flight: an adaptive window, pure arithmetic.

No slow start. As TCP's initial window carries what the path can take from the
first round trip (RFC 6928), the first page sizes the first full window: the
pages its round trip leaves room for (its latency over its CPU: wider, pages
would queue for this process's CPU), never fewer than a hand-written gather of
``floor`` pages, never more than ``cap`` nor the pages left.

Then, as concurrency limiters do (Netflix's Gradient2), it is decided once per
round (as many pages as the window held when the round began). A 429 or 503
(or a page that failed) halves the window; a round whose fastest page took more
than ``tolerance`` times the best seen (the server queues), or whose mean took
more than ``queueing`` times its fastest (pages queue for this process's CPU),
cuts it by a quarter. A healthy round regrows fast after a cut (by half, up to
the size before the cut), and beyond it by half while far below its *room*, by
an eighth near it, never past it. The room is the pages a round trip leaves
this process's CPU room for: the best latency over the CPU a page costs (the
first page's, then each round's mean when the caller tells its process's CPU
clock), a gather of ``floor`` at least. Wider, pages only queue for the CPU,
and each costs more of it (an HTTP pool walks every connection per
request; the sync twin's threads contend for the GIL). The pages left are taken
in the current round when they fit under the cap, rather than in a round of
their own. It never exceeds ``cap`` nor the server's ``X-RateLimit-Remaining``.
"""

from __future__ import annotations

import math

__all__ = ["AdaptiveWindow"]


class AdaptiveWindow:
    """The number of pages to keep in flight, learnt from how pages come back.

    Args:
        cap: the most pages ever in flight (the user's ``max_concurrency``).
        floor: the first window's least size (a hand-written gather's width).
        tolerance: how many times the best latency seen still counts as "held".
        queueing: how many times a round's fastest page its mean may take.
        slack: seconds of latency growth always tolerated (noise at tiny latencies).
    """

    def __init__(
        self,
        cap: int,
        *,
        floor: int = 8,
        tolerance: float = 2.0,
        queueing: float = 1.5,
        slack: float = 0.005,
    ) -> None:
        if cap < 1:
            raise ValueError("the window's cap must be >= 1")
        self.cap = cap
        self._floor = floor
        self._tolerance = tolerance
        self._queueing = queueing
        self._slack = slack
        self._size = 1.0  # the first page comes alone
        self._peak = 0.0  # the size before the last cut: regrow fast up to it
        self._best = math.inf  # the fastest page of any round (drifting up slowly)
        self._cpu = 0.0  # CPU seconds a page costs (0: not known yet)
        self._round_clock: float | None = None  # the process's CPU clock as the round began
        self._budget: int | None = None
        self._round_left = 1  # pages until the round ends
        self._round_best = math.inf
        self._round_sum = 0.0
        self._round_pages = 0
        self._round_troubled = False

    @property
    def size(self) -> int:
        """Pages to keep in flight now (at least one)."""
        size = min(int(self._size), self.cap)
        if self._budget is not None:
            size = min(size, self._budget)
        return max(1, size)

    def in_flight(self, pages_left: int | None) -> int:
        """Pages to keep in flight with ``pages_left`` still to request (None: unknown).

        The last pages join the current round when they fit under the cap (and
        within half a window more), instead of costing a round trip of their own.
        """
        size = self.size
        if pages_left is None or self._budget is not None:
            return size
        if pages_left <= self.cap and pages_left <= size + size // 2 + 1:
            return max(1, pages_left)
        return size

    def on_first_page(self, latency: float, cpu: float) -> None:
        """Size the first full window from the first page: its ``latency`` and ``cpu`` seconds."""
        self._cpu = max(cpu, 1e-4)
        self._best = latency
        self._size = float(self._room())
        self._round_left = self.size
        self._reset_round()

    def on_page(
        self,
        latency: float,
        *,
        throttled: bool = False,
        budget: int | None = None,
        clock: float | None = None,
    ) -> None:
        """Learn from a page that came back after ``latency`` seconds.

        ``throttled``: a 429 or 503 was met on the way (the page was retried);
        ``budget``: the server's ``X-RateLimit-Remaining`` after it, if sent;
        ``clock``: the process's CPU time as it came back (its rounds' mean
        CPU a page then replaces the first page's, which pays one-time costs).
        """
        if self._round_clock is None:
            self._round_clock = clock
        self._budget = budget
        self._round_troubled |= throttled
        self._round_best = min(self._round_best, latency)
        self._round_sum += latency
        self._round_pages += 1
        self._end_of_page(clock)

    def on_failure(self) -> None:
        """A page failed for good (its error goes to the consumer)."""
        self._round_troubled = True
        self._end_of_page()

    def _end_of_page(self, clock: float | None = None) -> None:
        self._round_left -= 1
        if self._round_left > 0:
            return
        self._learn_cpu(clock)
        fastest = self._round_best
        mean = self._round_sum / self._round_pages if self._round_pages else fastest
        if self._round_troubled:
            self._shrink(0.5)
        elif fastest > self._best * self._tolerance + self._slack:
            self._shrink(0.75)  # the server queues
        elif mean > fastest * self._queueing + self._slack:
            self._shrink(0.75)  # pages queue here: a wider window only costs CPU
        elif self._size < self._peak:
            self._size = min(self._peak, self._size * 1.5, self.cap)  # regrow fast after a cut
        else:
            room = self._room()
            step = self._size / 2 if self._size * 1.5 <= room else self._size / 8
            self._size = max(self._size, min(self._size + max(1.0, step), room))
        # A server that got slower for good slowly redefines what "held" means.
        self._best = min(self._best * 1.05, fastest)
        self._round_left = self.size
        self._reset_round()

    def _learn_cpu(self, clock: float | None) -> None:
        """A round ended at CPU time ``clock``: its mean CPU a page is the new estimate."""
        start, self._round_clock = self._round_clock, clock
        if start is not None and clock is not None and self._round_pages:
            self._cpu = max((clock - start) / self._round_pages, 1e-4)

    def _room(self) -> int:
        """The widest useful window: the pages a round trip leaves the CPU room for.

        At least ``floor`` (a hand-written gather's width), at most ``cap``;
        the cap alone before the first page has told its CPU.
        """
        if not self._cpu:
            return self.cap
        by_cpu = math.ceil(self._best / self._cpu + 1)
        return min(self.cap, max(self._floor, by_cpu))

    def _reset_round(self) -> None:
        self._round_best = math.inf
        self._round_sum = 0.0
        self._round_pages = 0
        self._round_troubled = False

    def _shrink(self, factor: float) -> None:
        self._peak = self._size
        self._size = max(1.0, self._size * factor)
