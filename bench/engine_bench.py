"""Engine and batch benchmark (a script, not a test): prints each figure with its target beside it; asserts nothing.

    python bench/engine_bench.py            # full run (about 10-15 minutes on 2 cores)
    python bench/engine_bench.py --quick    # smaller counts, for a quick look

The machine may be shared: engine figures are CPU time (time.process_time), the variants compared run in the
same process, interleaved, the order rotated each round, and every ratio is taken within a round (median and
range over the rounds). The batch targets are wall-clock throughput, so the batch lines also give the CPU time
per line of the whole process tree and the load average, to tell a slow machine from a slow program.

1. evaluate(explain=False) against the oracle deciding the same thing (rules.oracle, explain=False: outcomes,
   strengths and missing questions), validation included in both; evaluate() with reasons against the oracle
   with its explanations.
2. The engine in 2 worker processes.
3. `manage.py screen` end to end, --workers 1 and 2, on 10,000 and 100,000 lines (the 10,000 generated sets
   repeated under new ids), output to a file.
4. Memory: RSS of a warmed process over 100,000 evaluations in a batch worker (rules.Screener in chunks, as a
   --workers process runs; and, for comparison, with malloc_trim every 10,000 lines), and in a web-like loop
   (what a web worker does per request: the decisions-only evaluation and the compact stored assessment of a
   create, and every tenth request the evaluation with reasons and the JSON of a detail GET).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import resource
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

SEED = 2026


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def spread(values) -> str:
    values = sorted(values)
    return f"{statistics.median(values):.2f} ({values[0]:.2f}-{values[-1]:.2f})"


def _worker_evaluate(chunk):
    for answers in chunk:
        evaluate(answers, explain=False)
    return len(chunk)


def engine_section(sets, ruleset, rounds: int, reasons_sets: int) -> None:
    print(f"\n1. Engine, one process, CPU time; {rounds} interleaved rounds ({load()})")
    questionnaire = ruleset.questionnaire
    few = sets[:reasons_sets]
    variants = {
        "evaluate(explain=False)": lambda: [evaluate(a, ruleset=ruleset, explain=False) for a in sets],
        "oracle, decisions only": lambda: [
            oracle_outcomes(ruleset, validate_answers(questionnaire, a)[0], explain=False) for a in sets
        ],
        "evaluate() with reasons": lambda: [evaluate(a, ruleset=ruleset) for a in few],
        "oracle with explanations": lambda: [
            oracle_outcomes(ruleset, validate_answers(questionnaire, a)[0]) for a in few
        ],
    }
    counts = {name: len(few) if "reasons" in name or "explanations" in name else len(sets) for name in variants}
    ms: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            started = time.process_time()
            variants[name]()
            ms[name].append((time.process_time() - started) / counts[name] * 1e3)
    for name in names:
        per_s = [1e3 / v for v in ms[name]]
        print(f"   {name:26} {statistics.median(per_s):7.0f} evaluations/s of CPU   {spread(ms[name])} ms each")
    lean = [a / b for a, b in zip(ms["evaluate(explain=False)"], ms["oracle, decisions only"], strict=True)]
    full = [a / b for a, b in zip(ms["evaluate() with reasons"], ms["oracle with explanations"], strict=True)]
    print(f"   evaluate(explain=False) / oracle (decisions): {spread(lean)}x   target <= 2.00x")
    print(f"   evaluate() with reasons / oracle with explanations: {spread(full)}x   (no target)")

    latencies = []
    for answers in sets:
        started = time.perf_counter()
        evaluate(answers, ruleset=ruleset, explain=False)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    print(
        f"   evaluate(explain=False) wall latency: p50 {latencies[len(latencies) // 2] * 1e3:.2f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms ({load()})"
    )


def workers_section(sets) -> None:
    chunks = [sets[i : i + 250] for i in range(0, len(sets), 250)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_worker_evaluate, [sets[:50], sets[50:100]])  # warm up both workers
        started = time.perf_counter()
        done = sum(pool.imap_unordered(_worker_evaluate, chunks))
        seconds = time.perf_counter() - started
    print(f"\n2. Engine, 2 worker processes: {done / seconds:.0f} evaluations/s (wall, {load()})")


def batch_section(sets, sizes: list[int]) -> None:
    print("\n3. manage.py screen end to end (JSON Lines in, out to a file; process start-up included)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    targets = {1: 1200, 2: 2000}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            source = Path(tmp) / f"in-{size}.jsonl"
            with source.open("w") as out:
                for i in range(size):
                    out.write(json.dumps({"id": f"b{i}", "answers": sets[i % len(sets)]}) + "\n")
            target = Path(tmp) / "out.jsonl"
            command = [sys.executable, str(ROOT / "manage.py"), "screen", str(source), "--output", str(target)]
            for workers in (1, 2):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                load_before = os.getloadavg()[0]
                started = time.perf_counter()
                subprocess.run([*command, "--workers", str(workers)], check=True, env=env, cwd=ROOT)
                seconds = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                lines = sum(1 for _ in target.open("rb"))
                # What the CPU time allows on `workers` idle cores: the figure a busy shared machine hides.
                ceiling = workers / (cpu / lines)
                print(
                    f"   --workers {workers}, {lines:>7} lines: {lines / seconds:6.0f} screenings/s "
                    f"(target >= {targets[workers]:,})   {seconds:6.1f} s; CPU of the process tree "
                    f"{cpu / lines * 1e3:.2f} ms/line (ceiling on {workers} idle core(s): {ceiling:,.0f}/s); "
                    f"{target.stat().st_size / lines / 1024:.1f} KiB/line out; "
                    f"load {load_before:.1f}-{os.getloadavg()[0]:.1f}"
                )


def memory_section(evaluations: int, web_evaluations: int) -> None:
    print("\n4. Memory: RSS from a warmed process (each measure in a fresh process)")
    for mode, count in (("batch", evaluations), ("batch-trim", evaluations), ("web", web_evaluations)):
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", mode, "--memory-evaluations", str(count)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        print(done.stdout, end="")


def memory_child(mode: str, evaluations: int) -> None:
    """Runs in its own process: RSS checkpoints over `evaluations` after a warm-up."""
    ruleset = load_ruleset()
    sets = list(answer_sets(ruleset.questionnaire, 10_000, seed=SEED))
    if mode == "web":
        import orjson

        requests = itertools.count()

        def step(answers):  # a create stores the compact assessment; every tenth request is a detail GET
            if next(requests) % 10:
                orjson.dumps(evaluate(answers, ruleset=ruleset, explain=False).as_stored_dict())
            else:
                orjson.dumps(evaluate(answers, ruleset=ruleset).as_dict())

        warm = 10_000
        label = "web worker loop (9 creates: evaluate(explain=False) + stored form; 1 GET: with reasons + JSON)"
        target = "target <= +5%"
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        from screening.management.commands.screen import TRIM_EVERY, Screener

        trim_every = TRIM_EVERY if mode == "batch" else 10_000
        screener = Screener(ruleset.name, None, False, trim_every=trim_every)
        lines = [json.dumps({"id": f"m{i}", "answers": a}).encode() for i, a in enumerate(sets)]
        pending: list = []
        counter = itertools.count()

        def step(answers):  # the lines go in chunks of 1,000, as a worker gets them
            pending.append((len(pending) + 1, lines[next(counter) % len(lines)]))
            if len(pending) == 1000:
                screener.screen_chunk(pending)
                pending.clear()

        warm = 10_000
        trimming = f"malloc_trim every {trim_every:,} lines" if trim_every else "no malloc_trim"
        label = f"batch worker (Screener, chunks of 1,000, {trimming})"
        target = "target <= +5%" if mode == "batch" else "(for comparison)"
    for i in range(warm):
        step(sets[i % len(sets)])
    before = rss_kib()
    checkpoints = sorted({evaluations // 4, evaluations // 2, evaluations})
    figures = []
    for i in range(1, evaluations + 1):
        step(sets[i % len(sets)])
        if i in checkpoints:
            figures.append(f"{rss_kib() / 1024:.1f} MiB after {i:,}")
    growth = (rss_kib() - before) / before * 100
    print(f"   {label}: warmed {warm:,}, {before / 1024:.1f} MiB; " + ", ".join(figures))
    print(f"      growth over {evaluations:,} evaluations: {growth:+.1f}%   {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reasons-sets", type=int, default=1_000, help="sets for the (slower) with-reasons pair")
    parser.add_argument("--batch-lines", default="10000,100000")
    parser.add_argument("--memory-evaluations", type=int, default=100_000)
    parser.add_argument("--web-evaluations", type=int, default=100_000)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.memory_evaluations)
        return
    if args.quick:
        args.sets, args.rounds, args.reasons_sets = 2_000, 2, 300
        args.batch_lines, args.memory_evaluations, args.web_evaluations = "2000", 10_000, 2_000

    ruleset = load_ruleset()
    sets = list(answer_sets(ruleset.questionnaire, args.sets, seed=SEED))
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; ruleset {ruleset.name}; "
        f"{len(sets)} generated valid answer sets (seed {SEED}); {load()}"
    )
    evaluate(sets[0])  # compile and register the ruleset once
    engine_section(sets, ruleset, args.rounds, args.reasons_sets)
    workers_section(sets)
    batch_section(sets, [int(n) for n in args.batch_lines.split(",")])
    memory_section(args.memory_evaluations, args.web_evaluations)


if __name__ == "__main__":
    main()
