"""Our load engine beside hey on the same one-process aiohttp server (tests/fixtures/fast_server.py),
in alternating rounds so both see the same machine:

  closed loop, concurrency 64, no delay: requests a second, ours / hey    (target: >= 0.9)
  open loop 50 req/s against a true 20 ms delay: p50, ours - hey          (target: within 0.3 ms)

hey's light-load figure is its rate-limited closed loop (-c 1 -q 50: one request in flight, as at
50 req/s against 20 ms). Prints every round, the medians and both figures against their targets.
Usage: .venv/bin/python bench/engine_vs_hey.py [--rounds N] [--duration S]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import ContextManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from inference_fixture import running  # noqa: E402

CLUSTERCHECK = ROOT / ".venv" / "bin" / "clustercheck"
SERVER = ROOT / "tests" / "fixtures" / "fast_server.py"
BODY = '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'


def server(*args: str) -> ContextManager[str]:
    return running(*args, server=SERVER)


def ours(url: str, duration: float, *load: str) -> dict:
    out = subprocess.run([str(CLUSTERCHECK), "bench", "run", url, "--protocol", "mlflow", "--duration", str(duration),
                          "--warmup", "1", "--json", *load], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def hey(url: str, duration: float, body: str, *load: str) -> str:
    return subprocess.run(["hey", "-z", f"{duration:g}s", "-m", "POST", "-T", "application/json", "-D", body, *load,
                           f"{url}/invocations"], capture_output=True, text=True, check=True, timeout=300).stdout


def hey_rate(text: str) -> float:
    return float(next(line.split()[1] for line in text.splitlines() if "Requests/sec" in line))


def hey_p50_ms(text: str) -> float:
    return float(next(line.split()[2] for line in text.splitlines() if line.strip().startswith("50% in"))) * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=5.0)
    args = p.parse_args()
    if not shutil.which("hey"):
        sys.exit("bench: hey is not installed (make setup)")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as body:
        body.write(BODY)
        body.flush()
        rates: list[tuple[float, float]] = []
        with server() as url:
            for i in range(args.rounds):
                a = ours(url, args.duration, "--concurrency", "64")["throughput"]
                b = hey_rate(hey(url, args.duration, body.name, "-c", "64"))
                rates.append((a, b))
                print(f"closed loop c=64 round {i + 1}: clustercheck {a:9.1f} req/s   hey {b:9.1f} req/s   ratio {a / b:.2f}")
        p50s: list[tuple[float, float]] = []
        with server("--delay-ms", "20") as url:
            for i in range(args.rounds):
                a = ours(url, args.duration, "--rate", "50")["latency_ms"]["p50"]
                b = hey_p50_ms(hey(url, args.duration, body.name, "-c", "1", "-q", "50"))
                p50s.append((a, b))
                print(f"open loop 50 req/s, 20 ms round {i + 1}: clustercheck p50 {a:.3f} ms   hey p50 {b:.3f} ms   "
                      f"difference {a - b:+.3f} ms")
    ratio = statistics.median(a for a, _ in rates) / statistics.median(b for _, b in rates)
    diff = statistics.median(a for a, _ in p50s) - statistics.median(b for _, b in p50s)
    print(f"clustercheck / hey, closed loop c=64 (medians): {ratio:.2f}   (target >= 0.90: "
          f"{'met' if ratio >= 0.9 else 'MISSED'})")
    print(f"light-load p50, clustercheck - hey (medians): {diff:+.3f} ms   (target within 0.3 ms: "
          f"{'met' if diff <= 0.3 else 'MISSED'})")


if __name__ == "__main__":
    main()
