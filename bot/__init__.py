"""dangwu (党务助手) core: plain, synchronous functions shared by every front end."""

from pathlib import Path

__version__ = "0.1.0"

#: Project root (the folder holding ``knowledge/``); bundled data is read from here.
ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
