"""Django's Redis cache, with its client object made once per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation; its constructor
fills a table of ~170 response callbacks each time, which on a filing (two rate-limit
operations) costed more than the round trips. The client is stateless apart from its pool, so
one per pool is enough. The pools themselves are Django's, unchanged.
"""

from django.core.cache.backends.redis import RedisCache as _RedisCache
from django.core.cache.backends.redis import RedisCacheClient as _RedisCacheClient


class RedisCacheClient(_RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(_RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
