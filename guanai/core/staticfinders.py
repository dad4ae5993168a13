"""Serve the chosen files of the npm packages, not whole node_modules folders.

Copying node_modules wholesale would put tens of megabytes of source maps and
unused builds into collectstatic; the list in settings.VENDOR_STATIC_FILES names
exactly what the pages load.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.root = Path(settings.NODE_MODULES_DIR)
        self.files: dict[str, str] = dict(settings.VENDOR_STATIC_FILES)
        self.storage = FileSystemStorage(location=str(self.root))

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            Error(
                f"Front-end file {source} is missing; run `npm ci`.",
                id="guanai.E001",
            )
            for source in self.files.values()
            if not (self.root / source).is_file()
        ]

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        source = self.files.get(path)
        if source is None or not (self.root / source).is_file():
            return [] if find_all else ""
        found = str(self.root / source)
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Any:
        for target, source in self.files.items():
            if (self.root / source).is_file():
                yield target, _RenamingStorage(self.root, source)


class _RenamingStorage(FileSystemStorage):
    """Opens the one source file whatever target name collectstatic asks for."""

    def __init__(self, root: Path, source: str) -> None:
        super().__init__(location=str(root))
        self.source = source

    def path(self, name: str) -> str:
        return super().path(self.source)

    def open(self, name: str, mode: str = "rb") -> Any:
        return super().open(self.source, mode)
