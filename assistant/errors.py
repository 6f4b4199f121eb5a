"""Domain errors. The CLI and the API map them to readable messages and status codes at the edges."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error this package raises on purpose."""


class NotFound(AssistantError):
    """Something named in the request does not exist (an entry, a call, a suggestion, a token)."""


class EntryNotFound(NotFound):
    def __init__(self, entry_id: str) -> None:
        super().__init__(f"entry not found: {entry_id}")
        self.entry_id = entry_id


class VersionConflict(AssistantError):
    def __init__(self, entry_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"entry {entry_id} is at version {actual}, not {expected}: reload it and apply your change again"
        )
        self.entry_id, self.expected, self.actual = entry_id, expected, actual


class ImportValidationError(AssistantError):
    """A file or some of its rows could not be read; nothing was written."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported:\n{shown}{more}")
        self.source, self.problems = source, problems


class IndexNotReady(AssistantError):
    """Index files are missing, corrupt, or were built for something else than what is loaded now."""

    REBUILD = "run `assistant index build` to rebuild it"

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; {self.REBUILD}")


class InvalidQuery(AssistantError):
    pass


class UnknownRegion(AssistantError):
    def __init__(self, region: str, examples: list[str]) -> None:
        super().__init__(
            f"unknown region {region!r}. Accepted forms: '<시도>', '<시도> <시군구>', '<시도> <시> <구>', "
            "or a 시군구 alone when only one has that name, e.g. "
            + ", ".join(repr(e) for e in examples)
        )
        self.region = region


class AmbiguousRegion(UnknownRegion):
    def __init__(self, region: str, candidates: list[str]) -> None:
        AssistantError.__init__(
            self,
            f"region {region!r} is ambiguous; name the city too, one of: "
            + ", ".join(repr(c) for c in candidates),
        )
        self.region = region


class EmbedderError(AssistantError):
    pass


class SavedNotIndexed(AssistantError):
    """A change is committed but the live index could not take it in (e.g. the embedder is down). Nothing
    is lost and nothing should be repeated: the index catches up on its next refresh."""

    def __init__(self, change: str, reason: str, version: int | None = None) -> None:
        super().__init__(f"{change} is saved, but the search index could not take it in yet ({reason}); it "
                         "catches up by itself once that is fixed (or run `assistant index build`): do not repeat it")
        self.version = version


class Unauthorized(AssistantError):
    """No token, or a token that is unknown or revoked."""


class Forbidden(AssistantError):
    """The token's role may not do this."""


class RateLimited(AssistantError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(AssistantError):
    """A dependency (the database) is down; nothing was changed."""
