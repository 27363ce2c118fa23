"""A package's exports loaded on first use: for packages whose tables every command loads but
whose use cases pull in heavy libraries (templates, the extractor, mail, an HTTP client), so
that loading the tables does not load them too (docs/architecture.md)."""

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, homes: dict[str, str]) -> Callable[[str], Any]:
    """The package's module `__getattr__`: each name of `homes` from its module, kept in the
    package once loaded."""

    def load(name: str) -> Any:
        module = homes.get(name)
        if module is None:
            raise AttributeError(f"{package} exports no {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return load
