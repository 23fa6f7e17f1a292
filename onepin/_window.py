"""How many pages a listing keeps in flight: an adaptive window, pure arithmetic.

Additive increase, multiplicative decrease, as TCP and concurrency limiters
do, decided once per round (as many pages as the window held when the round
began). Two latencies tell the story: the round's fastest page says whether
the server queues (one quick answer means it does not), and the round's mean
whether pages queue on this side (a window wider than this process can decode
in a round trip only spends CPU on idle connections). From one page the window
doubles each round ("slow start") until the first sign of trouble, then grows
by one page a round. A 429 or 503 (or a page that failed) halves it; a round
whose fastest page took more than ``tolerance`` times the best seen, or whose
mean took more than ``queueing`` times its fastest, cuts it by a quarter. (A
window of pages sent together whose decoding takes as long as a round trip
has a mean of about 1.5 times its fastest: wider, this process is the limit.) It
never exceeds ``cap`` nor what the server's ``X-RateLimit-Remaining`` allows.
"""

from __future__ import annotations

import math

__all__ = ["AdaptiveWindow"]


class AdaptiveWindow:
    """The number of pages to keep in flight, learnt from how pages come back.

    Args:
        cap: the most pages ever in flight (the user's ``max_concurrency``).
        tolerance: how many times the best latency seen still counts as "held".
        queueing: how many times a round's fastest page its mean may take.
        slack: seconds of latency growth always tolerated (noise at tiny latencies).
    """

    def __init__(
        self, cap: int, *, tolerance: float = 2.0, queueing: float = 1.5, slack: float = 0.005
    ) -> None:
        if cap < 1:
            raise ValueError("the window's cap must be >= 1")
        self.cap = cap
        self._tolerance = tolerance
        self._queueing = queueing
        self._slack = slack
        self._size = 1.0
        self._threshold = float(cap)  # slow start until here
        self._best = math.inf  # the fastest page of any round (drifting up slowly)
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

    def on_page(
        self, latency: float, *, throttled: bool = False, budget: int | None = None
    ) -> None:
        """Learn from a page that came back after ``latency`` seconds.

        ``throttled``: a 429 or 503 was met on the way (the page was retried);
        ``budget``: the server's ``X-RateLimit-Remaining`` after it, if sent.
        """
        self._budget = budget
        self._round_troubled |= throttled
        self._round_best = min(self._round_best, latency)
        self._round_sum += latency
        self._round_pages += 1
        self._end_of_page()

    def on_failure(self) -> None:
        """A page failed for good (its error goes to the consumer)."""
        self._round_troubled = True
        self._end_of_page()

    def _end_of_page(self) -> None:
        self._round_left -= 1
        if self._round_left > 0:
            return
        fastest = self._round_best
        mean = self._round_sum / self._round_pages if self._round_pages else fastest
        if self._round_troubled:
            self._shrink(0.5)
        elif fastest > self._best * self._tolerance + self._slack:
            self._shrink(0.75)  # the server queues
        elif mean > fastest * self._queueing + self._slack:
            self._shrink(0.75)  # pages queue here: a wider window only costs CPU
        elif self._size < self._threshold:
            self._size = min(self._size * 2, self.cap)
        else:
            self._size = min(self._size + 1, self.cap)
        # A server that got slower for good slowly redefines what "held" means.
        self._best = min(self._best * 1.05, fastest)
        self._round_left = self.size
        self._round_best = math.inf
        self._round_sum = 0.0
        self._round_pages = 0
        self._round_troubled = False

    def _shrink(self, factor: float) -> None:
        self._size = max(1.0, self._size * factor)
        self._threshold = self._size
