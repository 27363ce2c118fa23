"""The desk officers' board: server-rendered pages under /board over the API's services."""

from app.board.router import router
from app.board.service import prune_sessions
from app.board.web import STATIC_DIR

__all__ = ["STATIC_DIR", "prune_sessions", "router"]
