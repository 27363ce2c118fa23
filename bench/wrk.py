"""Load from wrk against 127.0.0.1, and what it measured."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CONNECTIONS = 16
THREADS = 2
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TOTAL = re.compile(r"(\d+) requests in")

# Each line of the file is "<ref> <etag>"; thread k of n takes lines k, k+n, k+2n... once each,
# so every PATCH carries the current ETag of a commitment nobody else touches in the run.
PATCH_SCRIPT = """
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  entries, index, token, threads, stamp = {}, 0, args[2], tonumber(args[3]), args[4]
  local line_number = 0
  for line in io.lines(args[1]) do
    if line_number % threads == id then
      local ref, etag = line:match("^(%S+) (.+)$")
      entries[#entries + 1] = {ref, etag}
    end
    line_number = line_number + 1
  end
end
function request()
  index = index + 1
  local entry = entries[(index - 1) % #entries + 1]
  local body = '{"title": "Benchmark revision ' .. stamp .. '-' .. id .. '-' .. index .. '"}'
  return wrk.format("PATCH", args_path .. entry[1], {
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = entry[2],
    ["Content-Type"] = "application/json",
  }, body)
end
"""


@dataclass
class Load:
    requests_per_second: float
    p99_ms: float
    requests: int
    failed: int  # non-2xx/3xx answers and socket errors


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then run again."
        )
    return found


def run_wrk(
    url: str,
    *,
    seconds: int,
    headers: dict[str, str],
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> Load:
    command = [
        wrk_path(),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse(result.stdout)


def parse(output: str) -> Load:
    rate, p99, total = _RATE.search(output), _P99.search(output), _TOTAL.search(output)
    if rate is None or p99 is None or total is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    failed = int(_BAD.search(output).group(1)) if _BAD.search(output) else 0
    if errors := _ERRORS.search(output):
        failed += sum(int(count) for count in errors.groups())
    return Load(
        requests_per_second=float(rate.group(1)),
        p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)],
        requests=int(total.group(1)),
        failed=failed,
    )


def patch_script(directory: Path, path_prefix: str) -> Path:
    script = directory / "patch.lua"
    script.write_text(f'args_path = "{path_prefix}"\n' + PATCH_SCRIPT)
    return script
