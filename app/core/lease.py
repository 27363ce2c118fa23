"""Leases on work held by a process: renewed while the process lives, so that work held by a
process that died is noticed once its lease lapses, and taken up by another."""

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

HOLDER_MAX_LENGTH = 100


def holder_name() -> str:
    """Who holds a lease: the host and process, and a random tag so that two holders in one
    process (or a process id reused) are never taken for one another."""
    name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    return name[-HOLDER_MAX_LENGTH:]


@contextmanager
def renewed(renew: Callable[[], None], every: float) -> Iterator[None]:
    """Call `renew` every `every` seconds, on a thread of its own, while the block runs. A
    renewal that fails (the database away) is logged and tried at the next beat: should the
    lease lapse meanwhile, the work it covers may be taken up elsewhere, which the units'
    own claims make safe."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                renew()
            except Exception as error:  # the next beat tries again
                logger.warning("lease not renewed: %s", type(error).__name__)

    thread = threading.Thread(target=beat, name="lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)
