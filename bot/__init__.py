"""dangwu (党务助手) core: plain, synchronous functions shared by every front end."""

from importlib.resources import files
from pathlib import Path

__version__ = "0.1.0"

#: The bundled data, wherever the ``knowledge`` package is installed (a real folder: the
#: package is never zipped).
KNOWLEDGE = Path(str(files("knowledge")))
#: The working folder paths are shown relative to (the checkout when run from it).
ROOT = Path.cwd()
