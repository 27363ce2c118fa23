"""Log lines: readable text by default, JSON when configured; each carries the request id of
the request it belongs to. Tokens never reach a log line: calendar feed URLs carry one in
their query string."""

import logging
import re
import time
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

_SECRETS = re.compile(r"(ac_[A-Za-z0-9_-]{10})[A-Za-z0-9_-]+|((?:token|access_token)=)[^&\s\"']+")

# The id of the request being served, for every line logged while serving it.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


def redact(text: str) -> str:
    return _SECRETS.sub(
        lambda m: f"{m.group(1)}…" if m.group(1) else f"{m.group(2)}[redacted]", text
    )


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class UtcTextFormatter(logging.Formatter):
    default_msec_format = "%s.%03dZ"

    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)


REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "app", "fastapi")


def install_redaction() -> None:
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


_FORMATTERS: dict[str, dict[str, Any]] = {
    "text": {
        "()": UtcTextFormatter,
        "format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s",
    },
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": True,
        "json_ensure_ascii": False,
        # uvicorn's copy of its message with terminal colour codes
        "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
    },
}


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """A dictConfig for the server's processes (uvicorn applies it in each worker): one
    handler on standard error, redacting, every line with its request id. uvicorn's own
    access log is replaced by the app's request log (app.requests)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}, "request_id": {"()": WithRequestId}},
        "formatters": {"default": _FORMATTERS[log_format]},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["redact", "request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
