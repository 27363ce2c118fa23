from enum import StrEnum


class Channel(StrEnum):
    api = "api"
    board = "board"
    cli = "cli"
    seed = "seed"
    system = "system"
