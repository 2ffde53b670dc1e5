"""The Redis connection used by the web app (to schedule wake-ups) and the workers."""
from __future__ import annotations

import redis

# Short timeouts: a stopped Redis must cost a web request milliseconds, not a hang; the sweep
# fires whatever a failed scheduling call missed.
SOCKET_TIMEOUT_S = 2.0


def connect(url: str) -> redis.Redis:
    """``redis://host:port/db`` or ``unix:///path/to/redis.sock``."""
    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_S,
                                socket_connect_timeout=SOCKET_TIMEOUT_S, health_check_interval=30)
