"""Versioned prompt files, shipped in ``assistant/prompts/``: a version, '# system' and '# user' parts.

Source text and the question are escaped and wrapped in tags, so instructions inside a manual or a
question are data to the model, never a way out of the delimiters.

>>> p = Prompt.parse("---\\nversion: t1\\n---\\n# system\\nS\\n# user\\nQ={question} R={region} S={sources}")
>>> p.render("<질문>", "", [])[1]["content"]
'Q=&lt;질문&gt; R=알 수 없음 S='
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError
from assistant.types import EntryRecord


@dataclass(frozen=True)
class Prompt:
    version: str
    system: str
    user: str

    @classmethod
    def parse(cls, text: str) -> Prompt:
        m = re.match(r"---\s*\nversion:\s*(\S+)\s*\n---\s*\n# system\s*\n(.*?)\n# user\s*\n(.*)\Z", text, re.S)
        if not m:
            raise AssistantError("prompt file needs '---/version: X/---', a '# system' and a '# user' part")
        return cls(m.group(1), m.group(2).strip(), m.group(3).strip())

    @classmethod
    def load(cls, path: Path) -> Prompt:
        try:
            return cls.parse(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AssistantError(f"cannot read prompt {path}: {exc}") from exc

    def render(self, question: str, region: str, sources: list[EntryRecord]) -> list[dict[str, str]]:
        blocks = "\n".join(
            f'<source n="{i}" entry_id="{html.escape(e.entry_id)}" version="{e.version}">\n'
            f"제목: {html.escape(e.title)}\n{html.escape(e.content)}\n</source>"
            for i, e in enumerate(sources, start=1)
        )
        user = (self.user.replace("{question}", html.escape(question))
                .replace("{region}", html.escape(region) or "알 수 없음")
                .replace("{sources}", blocks))
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]
