"""The whole register to one file and back: export as a snapshot, import only a file that
checks out."""

from app.backup.service import BackupError, export, import_document, load

__all__ = [
    "BackupError",
    "export",
    "import_document",
    "load",
]
