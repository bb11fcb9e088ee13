"""Load the structured facts of ``knowledge/facts/*.yaml``, each with its source and version.

A file maps fact ids to entries::

    dues.band.in_work:          # id: topic.name[.detail], unique across all files
      value: [[3000, 0.005], [5000, 0.01], [10000, 0.015], [null, 0.02]]
      unit: 元/比例            # free text for people; code reads ``value``
      doc: 关于中国共产党党费收缴、使用和管理的规定
      article: 第三条          # omitted (null) when it could not be confirmed
      version: 2008年2月        # the text in force that was checked
      note: 税后工资总额，按一个比例计算，不累进

Code asks ``fact("dues.band.in_work").value`` and cites ``fact(...).citation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot import KNOWLEDGE

FACTS_DIR = KNOWLEDGE / "facts"


class FactError(KeyError):
    """An unknown fact id, or a malformed facts file."""


@dataclass(frozen=True)
class Fact:
    id: str
    value: Any
    doc: str
    version: str
    article: str | None = None
    unit: str = ""
    note: str = ""

    @property
    def citation(self) -> str:
        """《文件》（版本）第X条 — the article left out when it was not confirmed."""
        text = f"《{self.doc}》（{self.version}）"
        return text + (self.article or "")


def load_facts(directory: Path = FACTS_DIR) -> dict[str, Fact]:
    """Every fact of every ``*.yaml`` in ``directory``; a duplicate id or a missing field fails."""
    facts: dict[str, Fact] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for fid, entry in data.items():
            if fid in facts:
                raise FactError(f"{path.name}: duplicate fact id {fid}")
            try:
                facts[fid] = Fact(
                    id=fid,
                    value=entry["value"],
                    doc=entry["doc"],
                    version=str(entry["version"]),
                    article=entry.get("article"),
                    unit=entry.get("unit", ""),
                    note=entry.get("note", ""),
                )
            except (KeyError, TypeError) as exc:
                raise FactError(f"{path.name}: {fid}: missing {exc}") from exc
    return facts


@cache
def _all() -> dict[str, Fact]:
    return load_facts()


def fact(fid: str) -> Fact:
    """The fact ``fid``; an unknown id is a programming error, raised as ``FactError``."""
    try:
        return _all()[fid]
    except KeyError:
        raise FactError(fid) from None
