"""Ruleset impact benchmark (a script, not a test): prints figures, asserts nothing.

    python bench/impact_bench.py                      # 100,000 stored screenings (about 5 minutes in all)
    python bench/impact_bench.py --screenings 10000   # a quick look

What it does, all on this machine:

1. drops and creates the PostgreSQL database `refuge_impact_bench` (127.0.0.1, user postgres; --pg-url to change)
   and migrates it;
2. stores N screenings of one organisation assessed under the old version (--from, default 1.0.0): generated
   valid answer sets (rules.sampling, fixed seed) evaluated under that version in 2 processes, inserted with
   their outcome rows by bulk_create (the service path is not what is measured here);
3. runs `manage.py ruleset_impact --to VERSION --format json` in a fresh process, as an operator would, and
   prints its wall time, CPU time, peak memory (VmHWM) and the report's totals;
4. drops the database (--keep to keep it).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "refuge_impact_bench"


def _db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(pg_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(_db_url(pg_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def _generate(args: tuple[str, int, int]) -> list[tuple[dict, dict[str, tuple[str, str]]]]:
    """Answer sets with seed `seed`, each with its outcomes {id: (category, strength)} under `version`."""
    version, count, seed = args
    from rules import evaluate, load_ruleset
    from rules.sampling import answer_sets

    ruleset = load_ruleset(f"military_service/{version}")
    out = []
    for answers in answer_sets(ruleset.questionnaire, count, seed=seed):
        assessment = evaluate(answers, ruleset=ruleset, explain=False)
        out.append((answers, {o.id: (o.category, o.strength) for o in assessment.outcomes}))
    return out


def store(n: int, from_version: str) -> float:
    import django

    django.setup()
    from rules import load_ruleset
    from screening.models import Organisation, Screening, ScreeningOutcome, ScreeningStatus

    ruleset = load_ruleset(f"military_service/{from_version}")
    org = Organisation.objects.create(name="Impact bench")
    chunk = 5_000
    jobs = [(from_version, min(chunk, n - i), 1000 + i) for i in range(0, n, chunk)]
    started = time.perf_counter()
    stored = 0
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        for batch in pool.imap(_generate, jobs):
            screenings = [
                Screening(
                    organisation=org,
                    reference=f"bench-{stored + i:06d}",
                    status=ScreeningStatus.COMPLETE,
                    answers=answers,
                    country_of_origin=answers.get("country_of_origin", ""),
                    ruleset_version=ruleset.version,
                    ruleset_sha256=ruleset.sha256,
                )
                for i, (answers, _) in enumerate(batch)
            ]
            Screening.objects.bulk_create(screenings, batch_size=1000)
            rows = [
                ScreeningOutcome(screening=s, outcome_id=oid, category=cat, strength=strength)
                for s, (_, outcomes) in zip(screenings, batch, strict=True)
                for oid, (cat, strength) in outcomes.items()
            ]
            ScreeningOutcome.objects.bulk_create(rows, batch_size=5000)
            stored += len(batch)
            print(f"  stored {stored:,} screenings", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def measure(to_version: str, out_path: str, workers: int) -> None:
    """Run in a fresh process: the command as an operator runs it, then its own peak memory and CPU."""
    import django

    django.setup()
    from django.core.management import call_command

    started, cpu = time.perf_counter(), time.process_time()
    with open(out_path, "w") as fh:
        call_command("ruleset_impact", to_version=to_version, format="json", workers=workers, stdout=fh)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    status = Path("/proc/self/status").read_text()
    hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_kib": hwm}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenings", type=int, default=100_000)
    parser.add_argument("--from", dest="from_version", default="1.0.0")
    parser.add_argument("--to", dest="to_version", default="1.1.0")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="runs of the command (--workers N)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the measured child process
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

    if args.measure:
        measure(args.to_version, args.measure, args.workers[0])
        return

    url = _db_url(args.pg_url, DB_NAME)
    env = {**os.environ, "DATABASE_URL": url}
    os.environ["DATABASE_URL"] = url
    _admin(args.pg_url, f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(args.pg_url, f"CREATE DATABASE {DB_NAME}")
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, PostgreSQL at 127.0.0.1")
        print(f"storing {args.screenings:,} screenings assessed under {args.from_version} ...")
        seconds = store(args.screenings, args.from_version)
        print(f"  stored in {seconds:.1f} s (not part of the figure)")
        report_path = f"/tmp/{DB_NAME}.json"
        for workers in args.workers:
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    report_path,
                    "--to",
                    args.to_version,
                    "--workers",
                    str(workers),
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(proc.stdout.strip().splitlines()[-1])
            report = json.loads(Path(report_path).read_text())
            n = report["screenings"]
            print(
                f"manage.py ruleset_impact --to {args.to_version} --format json --workers {workers}, {n:,} screenings:"
            )
            print(f"  wall time      {figures['wall_s']:8.1f} s   ({n / figures['wall_s']:,.0f} screenings/s)")
            print(f"  CPU time       {figures['cpu_s']:8.1f} s   (the command's own process, workers not counted)")
            print(f"  peak memory    {figures['peak_rss_kib'] / 1024:8.1f} MiB (VmHWM of the command's process)")
            print(f"  unchanged {report['unchanged']:,}, changed {report['changed']:,}")
            print(f"  target: <= 120 s -> {'met' if figures['wall_s'] <= 120 else 'NOT met'}")
    finally:
        if not args.keep:
            _admin(args.pg_url, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
