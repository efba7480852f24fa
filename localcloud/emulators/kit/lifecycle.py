"""Jobs that move through their states on a clock, with the controls tests drive them by.

A service schedules each job's work (:meth:`Lifecycle.schedule`); when it is due, the work runs on a timer thread,
one piece of work at a time per emulator, unless the lifecycle is held. The test controls:

- ``hold(True)``: work that comes due is parked (jobs stay in their current state, e.g. for time-out and cancel
  tests); ``hold(False)`` runs the parked work at once. Work scheduled with ``holdable=False`` is never parked.
- ``fail_next(message)``: queues a failure; the service takes it (:meth:`take_failure`) when its job would fail
  in AWS (when it is created, or when it is processed: each service's docs say which) and ends that job FAILED.
- ``reset()``: cancels all pending work and forgets parked work and queued failures; work already running
  finishes first, and work scheduled before the reset never runs after it.

:class:`TimedJob` is the state every job shares: CREATED until ``processing_at``, PROCESSING until it finishes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Work = Callable[[], None]


class Lifecycle:
    """Timers for one emulator's jobs, and the test controls."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._running = threading.Lock()  # held while work runs: one at a time, and reset waits for it
        self._timers: dict[str, threading.Timer] = {}
        self._parked: list[tuple[str, Work]] = []
        self._held = False
        self._failures: deque[str] = deque()
        self._generation = 0

    def schedule(self, key: str, delay: float, work: Work, *, holdable: bool = True) -> None:
        """Run ``work`` for ``key`` (a job) after ``delay`` seconds, replacing what was pending for it."""
        with self._lock:
            timer = threading.Timer(delay, self._due, args=(key, work, holdable, self._generation))
            timer.daemon = True
            previous = self._timers.pop(key, None)
            self._timers[key] = timer
        if previous is not None:
            previous.cancel()
        timer.start()

    def cancel(self, key: str) -> None:
        """Drop pending or parked work for ``key``."""
        with self._lock:
            timer = self._timers.pop(key, None)
            self._parked = [(parked, work) for parked, work in self._parked if parked != key]
        if timer is not None:
            timer.cancel()

    def _due(self, key: str, work: Work, holdable: bool, generation: int) -> None:
        with self._running:
            with self._lock:
                if generation != self._generation:
                    return  # scheduled before a reset
                self._timers.pop(key, None)
                if holdable and self._held:
                    self._parked.append((key, work))
                    return
            work()

    @property
    def held(self) -> bool:
        with self._lock:
            return self._held

    def hold(self, held: bool = True) -> None:
        with self._lock:
            self._held = held
            released, self._parked = ([], self._parked) if held else (self._parked, [])
        for key, work in released:
            self.schedule(key, 0, work)

    def fail_next(self, message: str) -> None:
        with self._lock:
            self._failures.append(message)

    @property
    def queued_failures(self) -> int:
        """How many ``fail_next`` failures wait for a job to take them."""
        with self._lock:
            return len(self._failures)

    def take_failure(self) -> str | None:
        """The oldest queued ``fail_next`` message, or None."""
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            timers = list(self._timers.values())
            self._timers.clear()
            self._parked.clear()
            self._held = False
            self._failures.clear()
        for timer in timers:
            timer.cancel()
        with self._running:  # work that was running has finished
            pass


@dataclass
class TimedJob:
    """What every emulated job has: CREATED, PROCESSING from ``processing_at`` on, then ``final_status``."""

    job_id: str
    created_at: float
    processing_at: float | None = None
    final_status: str | None = None
    completed_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def status(self) -> str:
        with self._lock:
            if self.final_status:
                return self.final_status
            processing = self.processing_at is not None and time.time() >= self.processing_at
        return "PROCESSING" if processing else "CREATED"

    def wait(self, timeout: float) -> bool:
        """Block until the job has ended; True if it did within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def end(self, status: str, *, completed: bool = True) -> bool:
        """Record the end of the job unless it has ended already (a cancel wins over a run finishing later);
        ``completed`` sets ``completed_at``. True when this call ended it."""
        with self._lock:
            if self.final_status:
                return False
            self.final_status = status
            if completed:
                self.completed_at = time.time()
        self._done.set()
        return True
