"""Roles and what each may do: the one place where permissions are granted.

>>> allowed(Role.counselor, Permission.edit_kb), allowed(Role.editor, Permission.edit_kb)
(False, True)
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    counselor = "counselor"
    editor = "editor"
    qa = "qa"
    admin = "admin"
    # read-mostly: follows every counselor's calls; edits nothing
    supervisor = "supervisor"


class Permission(StrEnum):
    ask = "ask"              # search, advice, live calls (one's own), feedback
    read_calls = "read_calls"  # read every counselor's calls, not only one's own (never append or transfer)
    read_kb = "read_kb"      # read entries, their history and diffs
    edit_kb = "edit_kb"      # create, edit, retire, import entries
    reports = "reports"      # knowledge-gap report, evaluation results
    trends = "trends"        # demand trends and the 현행화 reports (read-only)
    audit = "audit"          # the audit log
    admin = "admin"          # tokens, overrides
    alerts = "alerts"        # urgent-issue alerts: read, acknowledge, resolve
    alert_terms = "alert_terms"  # the urgent-term dictionary the alerts match on: read and edit
    notices = "notices"      # post and end the center's notices (공지), draft one from an alert


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.ask: frozenset(Role),
    Permission.read_calls: frozenset({Role.supervisor, Role.admin}),
    Permission.read_kb: frozenset(Role),
    Permission.edit_kb: frozenset({Role.editor, Role.admin}),
    Permission.reports: frozenset({Role.editor, Role.qa, Role.admin}),
    Permission.trends: frozenset({Role.supervisor, Role.editor, Role.qa, Role.admin}),
    Permission.audit: frozenset({Role.qa, Role.admin}),
    Permission.admin: frozenset({Role.admin}),
    Permission.alerts: frozenset({Role.supervisor, Role.admin}),
    # editors keep the center's other word lists (thesaurus, user dictionary) too
    Permission.alert_terms: frozenset({Role.supervisor, Role.editor, Role.admin}),
    Permission.notices: frozenset({Role.supervisor, Role.editor, Role.admin}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in GRANTS[permission]


def permissions_of(role: Role) -> list[str]:
    return [str(p) for p in Permission if allowed(role, p)]


def parse_role(value: str) -> Role:
    """A role from its name; an unknown name lists the valid ones."""
    from assistant.errors import AssistantError

    try:
        return Role(value)
    except ValueError:
        raise AssistantError(f"unknown role {value!r}; valid: {', '.join(r.value for r in Role)}") from None
