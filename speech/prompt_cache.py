"""Rendered audio for fixed prompts ("请说出您的需求", menu texts): rendered once per pace and
kept in a bounded LRU, with concurrent requests for the same prompt sharing one rendering."""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


class PromptCache(Generic[T]):
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._in_flight: dict[Hashable, asyncio.Future[T]] = {}
        self.hits = 0
        self.misses = 0

    async def get_or_render(self, key: Hashable, render: Callable[[], Awaitable[T]]) -> T:
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            return self._entries[key]
        if key in self._in_flight:
            self.hits += 1
            return await asyncio.shield(self._in_flight[key])
        self.misses += 1
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await render()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._in_flight.pop(key, None)
        future.set_result(value)
        self._store(key, value)
        return value

    def _store(self, key: Hashable, value: T) -> None:
        if self.max_entries <= 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
