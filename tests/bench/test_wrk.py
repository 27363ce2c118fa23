"""Reading wrk's report (the benchmark's figures come from it)."""

from bench.wrk import parse

REPORT = """Running 10s test @ http://127.0.0.1:8701/api/v1/commitments
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.51ms    3.20ms  41.07ms   80.12%
    Req/Sec   640.33     50.12   760.00     70.00%
  Latency Distribution
     50%   12.10ms
     75%   13.90ms
     90%   16.20ms
     99%    1.02s
  12790 requests in 10.01s, 25.60MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1277.81
Transfer/sec:      2.56MB
"""


def test_rate_p99_and_failures_are_read_in_their_units() -> None:
    load = parse(REPORT)
    assert load.requests_per_second == 1277.81
    assert load.p99_ms == 1020.0
    assert load.requests == 12790
    assert load.failed == 4 + 1 + 2


def test_a_clean_run_has_no_failures() -> None:
    clean = REPORT.replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "")
    clean = clean.replace("  Non-2xx or 3xx responses: 4\n", "").replace("1.02s", "850.00us")
    load = parse(clean)
    assert load.failed == 0
    assert load.p99_ms == 0.85
