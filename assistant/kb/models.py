"""SQLModel tables and API schemas for manual entries.

An ``Entry`` row is identity plus a pointer to its current version; every change appends an
``EntryVersion`` row holding the full content. Nothing is updated in place but the pointer.

>>> EntryCreate(entry_id="seoul:1", title="t", content="c", scope="national").scope
<Scope.national: 'national'>
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.types import Scope, Status


def utcnow() -> datetime:
    return datetime.now(UTC)


class EntryBase(SQLModel):
    title: str = Field(min_length=1, max_length=300)
    content: str = Field(min_length=1, max_length=100_000)
    scope: Scope
    sido: str = Field(default="", max_length=40)
    sigungu: str = Field(default="", max_length=40)
    department: str = Field(default="", max_length=300)
    contact: str = Field(default="", max_length=4000)  # nationwide programmes list dozens of numbers
    source_url: str = Field(default="", max_length=2000)
    category: str = Field(default="", max_length=200)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    status: Status = Status.active
    source: str = Field(default="", max_length=100)
    updated: str = Field(default="", max_length=20)  # the source's own last-updated date
    # "" = the common layer (national, city, district entries every agency shares); else an agency's code
    agency: str = Field(default="", max_length=20, index=True)


class EntryCreate(EntryBase):
    entry_id: str = Field(min_length=1, max_length=200)


class EntryUpdate(SQLModel):
    """The fields an edit changes (unset ones stay as they are), held to ``EntryBase``'s limits."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    content: str | None = Field(default=None, min_length=1, max_length=100_000)
    scope: Scope | None = None
    sido: str | None = Field(default=None, max_length=40)
    sigungu: str | None = Field(default=None, max_length=40)
    department: str | None = Field(default=None, max_length=300)
    contact: str | None = Field(default=None, max_length=4000)
    source_url: str | None = Field(default=None, max_length=2000)
    category: str | None = Field(default=None, max_length=200)
    tags: list[str] | None = None
    status: Status | None = None
    updated: str | None = Field(default=None, max_length=20)
    agency: str | None = Field(default=None, max_length=20)


class Entry(SQLModel, table=True):
    entry_id: str = Field(primary_key=True, max_length=200)
    current_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EntryVersion(EntryBase, table=True):
    __tablename__ = "entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_entry_version"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="entry.entry_id", index=True, max_length=200)
    version: int
    content_hash: str = Field(max_length=64)
    author: str = Field(default="", max_length=100)
    change_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class EntryPublic(EntryBase):
    entry_id: str
    version: int
    content_hash: str
    author: str
    change_note: str
    created_at: datetime


class EntriesPublic(SQLModel):
    data: list[EntryPublic]
    count: int
