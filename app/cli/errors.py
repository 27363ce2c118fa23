class CliError(Exception):
    """A failure the user can act on: printed as one line, exit status 2."""


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    text = lines[0] if lines else type(original).__name__
    return f"{type(original).__name__}: {text}"
