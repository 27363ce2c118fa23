"""A short soak in the suite: the same checks as `make soak`, bounded to a few seconds."""

from bench.soak import run
from tests.live_server import free_port


def test_a_short_soak_loses_nothing_and_answers_no_5xx(database_url: str, capsys) -> None:
    assert run(database_url, clients=16, seconds=4, workers=2, port=free_port()) == 0
    summary = capsys.readouterr().out.strip()
    assert summary.endswith(": OK"), summary
    assert " 0 x 5xx" in summary
