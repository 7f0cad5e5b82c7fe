"""The load engine's accuracy against the fixture server's injected delays, printed, not asserted.

For each figure: what the fixture injects, what the minimal reference client measures on it, what the
engine reports, and the engine's error against both. The tests (tests/python/test_bench_accuracy.py)
judge the engine against the reference client with a margin that holds on a busy machine; the tight
figures against the nominal delays are here, for a person to read on a quiet one.
Usage: .venv/bin/python bench/engine_accuracy.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import reference_client as ref  # noqa: E402
from inference_fixture import running as fixture  # noqa: E402

CLUSTERCHECK = ROOT / ".venv" / "bin" / "clustercheck"


def engine(cmd: str, url: str, *args: str) -> dict:
    out = subprocess.run([str(CLUSTERCHECK), "bench", cmd, url, *args, "--json"], capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout)


def row(what: str, nominal: float, reference: float, measured: float, unit: str = "ms") -> None:
    print(f"{what:<40} {nominal:9.3f} {reference:10.3f} {measured:9.3f} {measured - nominal:+10.3f} "
          f"{measured - reference:+10.3f}  {unit}")


def main() -> int:
    print(f"{'engine accuracy (p50s)':<40} {'injected':>9} {'reference':>10} {'engine':>9} "
          f"{'err vs inj':>10} {'err vs ref':>10}")
    with fixture("--delay-ms", "20") as url:
        out = engine("run", url, "--rate", "20", "--duration", "4", "--warmup", "0.5", "--model", "cc-iris")
        reference = ref.p50(ref.plain_ms(url))
        row("open loop 20 req/s, latency", 20.0, reference, out["latency_ms"]["p50"])
        row("open loop 20 req/s, service time", 20.0, reference, out["service_time_ms"]["p50"])
        out = engine("run", url, "--concurrency", "4", "--duration", "3", "--warmup", "0.5", "--model", "cc-iris")
        row("closed loop c=4, throughput", 200.0, 4000 / reference, out["throughput"], "req/s")
    with fixture("--ttft-ms", "50", "--itl-ms", "10") as url:
        out = engine("run", url, "--rate", "10", "--duration", "3", "--warmup", "0.5", "--protocol", "openai-chat",
                     "--size", "D(20,16)", "--model", "cc-iris")
        reference = ref.stream_p50(url, n=10, tokens=16)
        row("streaming, TTFT", 50.0, reference["ttft"], out["ttft_ms"]["p50"])
        row("streaming, inter-token latency", 10.0, reference["itl"], out["inter_token_ms"]["p50"])
    with fixture("--delay-ms", "10", "--ttft-ms", "20", "--itl-ms", "2") as url:
        out = engine("sweep", url, "--protocol", "openai-completions", "--sizes", "D(10,5),D(10,20)",
                     "--concurrencies", "1", "--duration", "1", "--warmup", "0.2", "--model", "cc-iris")
        for size, tokens, nominal in (("D(10,5)", 5, 28.0), ("D(10,20)", 20, 58.0)):
            reference = ref.stream_p50(url, n=10, tokens=tokens, chat=False)["total"]
            row(f"sweep {size} c=1, whole response", nominal, reference, out[size]["steps"][0]["latency_ms"]["p50"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
