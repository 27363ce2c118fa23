from enum import StrEnum


class Channel(StrEnum):
    api = "api"
    cli = "cli"
    seed = "seed"
    system = "system"
