"""Engine benchmark (a script, not a test): prints figures, asserts nothing.

    python bench/engine_bench.py            # full run (about 5 minutes on 2 cores)
    python bench/engine_bench.py --quick    # smaller counts, for a quick look

Figures: evaluations/s in one process and with 2 worker processes on 10,000 generated valid answer sets;
p50/p99 per evaluation; the ratio to the pure-Python oracle on the same inputs; the end-to-end batch command
(`manage.py screen --workers 2`) on the same sets; RSS before/after 100,000 evaluations.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules import evaluate, load_ruleset  # noqa: E402
from rules.oracle import oracle_outcomes  # noqa: E402
from rules.sampling import answer_sets  # noqa: E402
from rules.validation import validate_answers  # noqa: E402


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _worker_evaluate(chunk):
    for answers in chunk:
        evaluate(answers, explain=False)
    return len(chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sets", type=int, default=10_000)
    parser.add_argument("--memory-evaluations", type=int, default=100_000)
    args = parser.parse_args()
    if args.quick:
        args.sets, args.memory_evaluations = 2_000, 10_000

    ruleset = load_ruleset()
    sets = list(answer_sets(ruleset.questionnaire, args.sets, seed=2026))
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {len(sets)} generated valid answer sets")
    evaluate(sets[0])  # compile and register the ruleset once

    # 1. One process: latency of evaluate() (full explanation) and throughput.
    latencies = []
    started = time.perf_counter()
    for answers in sets:
        t0 = time.perf_counter()
        evaluate(answers)
        latencies.append(time.perf_counter() - t0)
    engine_seconds = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    print(f"engine, 1 process : {len(sets) / engine_seconds:8.0f} evaluations/s   p50 {p50:.2f} ms   p99 {p99:.2f} ms")

    started = time.perf_counter()
    for answers in sets:
        evaluate(answers, explain=False)
    lean_seconds = time.perf_counter() - started
    print(f"engine, no reasons: {len(sets) / lean_seconds:8.0f} evaluations/s (what the batch command runs)")

    # 2. The oracle on the same inputs (validation included, as in evaluate()).
    started = time.perf_counter()
    for answers in sets:
        oracle_outcomes(ruleset, validate_answers(ruleset.questionnaire, answers)[0])
    oracle_seconds = time.perf_counter() - started
    print(
        f"oracle, 1 process : {len(sets) / oracle_seconds:8.0f} evaluations/s   "
        f"engine/oracle time ratio {engine_seconds / oracle_seconds:.1f}x"
    )

    # 3. Two worker processes (spawn), engine only.
    chunks = [sets[i : i + 250] for i in range(0, len(sets), 250)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_worker_evaluate, [sets[:50], sets[50:100]])  # warm up both workers
        started = time.perf_counter()
        done = sum(pool.imap_unordered(_worker_evaluate, chunks))
        pool_seconds = time.perf_counter() - started
    print(f"engine, 2 workers : {done / pool_seconds:8.0f} evaluations/s")

    # 4. The batch command end to end: JSON Lines in, JSON Lines out, 2 workers (process start-up included).
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        target = Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps({"id": f"b{i}", "answers": a}) + "\n" for i, a in enumerate(sets)))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        command = [sys.executable, str(ROOT / "manage.py"), "screen", str(source), "--output", str(target)]
        for workers in (1, 2):
            started = time.perf_counter()
            subprocess.run([*command, "--workers", str(workers)], check=True, env=env, cwd=ROOT)
            seconds = time.perf_counter() - started
            lines = sum(1 for _ in target.open())
            print(
                f"manage.py screen --workers {workers}: {lines / seconds:8.0f} screenings/s "
                f"({lines} lines, {seconds:.1f} s)"
            )

    # 5. Memory: RSS before and after many evaluations in one process, with checkpoints: steady growth would
    # mean per-evaluation state is kept somewhere; a plateau means allocator pools filling once.
    before = rss_kib()
    checkpoints = {args.memory_evaluations // 2, args.memory_evaluations}
    for i in range(1, args.memory_evaluations + 1):
        evaluate(sets[i % len(sets)])
        if i in checkpoints:
            now = rss_kib()
            print(
                f"memory: RSS {before / 1024:.1f} MiB before, {now / 1024:.1f} MiB after {i} evaluations "
                f"({(now - before) / before * 100:+.1f}%)"
            )
    print(f"(mean per evaluation {statistics.fmean(latencies) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
