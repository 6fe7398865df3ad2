"""Deterministic pseudo-randomness keyed by names, not by call order.

Audience values, gaps and fault choices must be the same whichever request asks first, so they come from a
hash of (seed, entity, platform, date, ...) rather than from a shared random generator.
"""

from __future__ import annotations

import hashlib
import string
from statistics import NormalDist

_NORMAL = NormalDist()
_BASE62 = string.digits + string.ascii_letters


def unit(*parts: object) -> float:
    """A number in [0, 1) that depends only on ``parts``."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def normal(*parts: object) -> float:
    """A standard-normal draw that depends only on ``parts``."""
    return _NORMAL.inv_cdf(min(max(unit(*parts), 1e-9), 1 - 1e-9))


def token(length: int, *parts: object, alphabet: str = _BASE62) -> str:
    """A platform-style identifier (Spotify base62, YouTube ids, ...) derived from ``parts``."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)
