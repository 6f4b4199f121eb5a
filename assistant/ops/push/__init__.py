"""Server push to the counselors' widgets: events, the log they are kept in (memory or Redis), the hub."""

from assistant.ops.push.events import Event, delivers, id_key, sse_frame
from assistant.ops.push.hub import PushHub, Subscription
from assistant.ops.push.log import EventLog, MemoryLog, RedisLog

__all__ = ["Event", "EventLog", "MemoryLog", "PushHub", "RedisLog", "Subscription", "delivers", "id_key", "sse_frame"]
