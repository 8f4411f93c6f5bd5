"""Fault injection (``--fault-rate``, ``--fault-kinds``, ``--seed``): which fault, if any, one API request gets; and
the latency of the API's answers (``--latency``).

What each kind does is the app's business (:mod:`app`); this module only draws them, reproducibly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

INTERNAL_ERROR = "500"  # 500 InternalError, nothing processed
BUSY = "503"  # 503 Busy with Retry-After, nothing processed
DROP = "drop"  # processed and committed, connection closed before the body
SLOW = "slow"  # processed, answered after 0.5-2 s
FAIL = "fail"  # a write's provisioning requests all end Failed
EMPTY_ANSWER = "empty-answer"  # a write is processed but answered without its request ids
KINDS = (INTERNAL_ERROR, BUSY, DROP, SLOW, FAIL, EMPTY_ANSWER)
DEFAULT_KINDS = (INTERNAL_ERROR, BUSY, DROP, SLOW, FAIL)  # empty-answer only when asked for
FAIL_MESSAGE = "Simulated fault (fail): provisioning failed by fault injection"


def parse_kinds(value: str) -> tuple[str, ...]:
    """``500,503,drop``: the kinds named (ValueError for an unknown one or none)."""
    kinds = tuple(k.strip().lower() for k in value.split(",") if k.strip())
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"choose among {','.join(KINDS)}")
    return kinds


@dataclass
class Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = DEFAULT_KINDS
    rng: random.Random = field(default_factory=random.Random)

    def pick(self) -> str | None:
        """The fault of the next API request, or None."""
        if self.rate <= 0 or not self.kinds:
            return None
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.kinds)

    def slow_delay(self) -> float:
        return self.rng.uniform(0.5, 2.0)


def parse_latency(value: str) -> tuple[float, float]:
    """``SECONDS`` or ``SECONDS:JITTER`` as (seconds, jitter); ValueError unless both are numbers, not negative."""
    seconds, colon, jitter = value.partition(":")
    try:
        numbers = (float(seconds), float(jitter) if colon else 0.0)
    except ValueError:
        raise ValueError("expected SECONDS or SECONDS:JITTER") from None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        raise ValueError("SECONDS and JITTER must not be negative")
    return numbers


@dataclass
class Latency:
    """How long each API answer is held back: ``seconds``, uniformly within +-``jitter`` of it, never below 0."""

    seconds: float = 0.0
    jitter: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def seeded(cls, seconds: float, jitter: float, seed: int | None) -> Latency:
        """With ``--seed``, the jitter is reproducible, drawn from a generator of its own: the faults drawn with the
        same seed stay those drawn without a latency."""
        return cls(seconds, jitter, random.Random(f"latency:{seed}") if seed is not None else random.Random())

    @property
    def active(self) -> bool:
        return self.seconds > 0 or self.jitter > 0

    def draw(self) -> float:
        """The hold of the next API answer."""
        if self.jitter <= 0:
            return self.seconds
        return max(0.0, self.rng.uniform(self.seconds - self.jitter, self.seconds + self.jitter))
