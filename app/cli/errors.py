from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic_core import ValidationError


class CliError(Exception):
    """A failure the user can act on: printed as one line, exit status 2."""


def _settings_problem(error: "ValidationError") -> str:
    """What is wrong with the settings, named as the environment variables that set them."""
    problems = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        names = [str(part) for part in detail["loc"]]
        where = f"COMMITMENTS_{names[0].upper()}: " if names else ""
        problems.append(f"{where}{message}")
    return f"invalid settings: {'; '.join(problems)}"


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback."""
    # Imported here: a command that succeeds never pays for it.
    from pydantic_core import ValidationError

    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_problem(exc)
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    text = lines[0] if lines else type(original).__name__
    return f"{type(original).__name__}: {text}"
