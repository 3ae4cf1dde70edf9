"""One way to open Redis for every process of the product: the desk and the action server."""

from urllib.parse import urlparse

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def connect(redis_url: str) -> "Redis[str]":
    """A client that waits out a Redis restart (about 8 retries, up to 1 s apart)."""
    client: Redis[str] = Redis.from_url(
        redis_url,
        decode_responses=True,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 8),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=5,
    )
    return client


def shown_url(url: str) -> str:
    """`url` with its password replaced by asterisks, for printing and logs."""
    parsed = urlparse(url)
    if not parsed.password:
        return url
    user = f"{parsed.username}:" if parsed.username else ":"
    host = parsed.netloc.rpartition("@")[2]
    return parsed._replace(netloc=f"{user}***@{host}").geturl()
