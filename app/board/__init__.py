"""The desk officers' board: server-rendered pages under /board over the API's services.

Names load on first use: the board's tables are part of every command's metadata, and its
router (FastAPI, Jinja, every page) is wanted only by the app."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "STATIC_DIR": "web",
    "prune_sessions": "service",
    "router": "router",
}

if TYPE_CHECKING:
    from app.board.router import router
    from app.board.service import prune_sessions
    from app.board.web import STATIC_DIR

__getattr__ = lazy_exports(__name__, _HOME)

__all__ = [
    "STATIC_DIR",
    "prune_sessions",
    "router",
]
