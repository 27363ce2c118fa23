"""Tokens never reach a log line: calendar feed URLs carry one in their query string."""

import logging
import re

_SECRETS = re.compile(r"(ac_[A-Za-z0-9_-]{10})[A-Za-z0-9_-]+|((?:token|access_token)=)[^&\s\"']+")


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


REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "app", "fastapi")


def install_redaction() -> None:
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
