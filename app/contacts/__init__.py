"""Points of contact: people and offices on each party's side, and the commitments they lead."""

from app.contacts import service

__all__ = [
    "service",
]
