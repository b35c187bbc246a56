"""Draw benchmark: a million entries in the database, the verifier, ten million in memory.

Run with `make bench-draw` (or `python bench/draw_bench.py --entries 1000000`). For each backend
it bulk-loads N confirmed entries into a fresh database, then times, in a fresh process,
`perform_draw` end to end (freeze + Merkle root + selection of 10 winners and 10 alternates +
record) and the usual course (the worker's freeze at the close, then the draw), measures the peak
memory of that process step (tracemalloc), the wall time of the offline verifier on the result
and of the receipt check (inclusion proof) of 50 random entries; finally it streams 10,000,000
in-memory (entry_id, weight) records through the selection and reports its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def settle_loaded_entries(app) -> None:
    """Settle a million rows written a second ago as weeks of entries would have been.

    On PostgreSQL they have no statistics and no hint bits (the first scan would write every page
    back), on SQLite they sit in a write-ahead log as large as the database. Autovacuum and
    checkpoints would have settled them; a benchmark settles them before it measures (without
    it, the checkpoint they trigger lands in the middle of the measured draw or entries).
    """
    from sqlalchemy import text

    from contests.extensions import db

    with (
        app.app_context(),
        db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
    ):
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM (ANALYZE) entries"))
            try:
                # The load and the vacuum left about a gigabyte of WAL.
                connection.execute(text("CHECKPOINT"))
            except Exception as error:  # noqa: BLE001 - needs superuser or pg_checkpoint; the figure is then noisier
                print(
                    f"(no CHECKPOINT after the load: {error.__class__.__name__})", file=sys.stderr
                )
        else:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("ANALYZE"))


def load_entries(app, contest_id: int, count: int, first: int = 1) -> None:
    """Insert entries in bulk (Core, executemany): the draw is measured, not the loading.
    Numbered from ``first``; on PostgreSQL the contest's number sequence is moved past them."""
    import hashlib

    from sqlalchemy import insert

    from contests.draw.canonical import entrant_commit
    from contests.extensions import db
    from contests.models import Entry

    now = datetime.now(UTC) - timedelta(days=1)
    batch = []
    with app.app_context():
        for n in range(count):
            n += first - 1
            email = f"b{n}@example.org"
            salt, identity = os.urandom(16), hashlib.sha256(email.encode()).hexdigest()
            batch.append(
                {
                    "contest_id": contest_id,
                    "status": "confirmed",
                    "first_name": "B",
                    "last_name": str(n),
                    "email": email,
                    "email_key": email,
                    "identity_key": identity,
                    "period": "all",
                    "answers": "{}",
                    "marketing_opt_in": False,
                    "household_key": "",
                    "ip_address": "",
                    "user_agent": "",
                    "receipt_code": f"B{n:011d}"[:14],
                    "number": n + 1,
                    "flags": "",
                    "disqualified_reason": "",
                    "postal_code": "",
                    "salt": salt,
                    "weight": 1,
                    "created_at": now,
                    "entrant_commit": entrant_commit(salt, identity),  # as submit_entry stores it
                }
            )
            if len(batch) == 20000:
                db.session.execute(insert(Entry), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Entry), batch)
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            from contests.entries.numbering import sequence_name

            db.session.execute(
                text("SELECT setval(CAST(:name AS regclass), :last)"),
                {"name": sequence_name(contest_id), "last": first + count - 1},
            )
        db.session.commit()


#: Run in a fresh interpreter: the draw's resident memory without the bulk load's in the same peak.
_RSS_SNIPPET = """
import json, resource, sys
from datetime import datetime
from contests import create_app
from contests.extensions import db
from contests.models import Contest
from contests.winners.drawing import perform_draw
app = create_app()
with app.app_context():
    contest = db.session.get(Contest, int(sys.argv[1]))
    before = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
    perform_draw(contest, ["4 8 15 16 23 42"], None, datetime.fromisoformat(sys.argv[2]))
    db.session.rollback()
    print(json.dumps([before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))
"""

#: The timed draws, in a fresh interpreter as a server process or `contests draw` would run them
#: (the bulk load leaves this process's heap several hundred megabytes large, which slows every
#: fork of the draw's workers): three draws that freeze the list themselves, each rolled back,
#: then the usual course, the worker freezing the list at the close and the draw coming later.
_TIMING_SNIPPET = """
import json, sys, time
from datetime import datetime
from sqlalchemy import text
from contests import create_app
from contests.extensions import db
from contests.models import Contest
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants
app = create_app()
now = datetime.fromisoformat(sys.argv[2])
timings = []

def settle():
    # A rolled-back draw leaves 80 MB of dead rows on PostgreSQL and WAL to checkpoint; a real
    # server draws once, and autovacuum and checkpoints would have settled them: so does this.
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM draw_list_blocks, draw_lists, draws, audit_events"))
        try:
            connection.execute(text("CHECKPOINT"))
        except Exception:
            pass

with app.app_context():
    for _ in range(3):
        contest = db.session.get(Contest, int(sys.argv[1]))
        started = time.perf_counter()
        perform_draw(contest, ["4 8 15 16 23 42"], None, now)
        timings.append(time.perf_counter() - started)
        db.session.rollback()
        settle()
    contest = db.session.get(Contest, int(sys.argv[1]))
    started = time.perf_counter()
    freeze_entrants(contest, now)
    freeze = time.perf_counter() - started
    started = time.perf_counter()
    perform_draw(contest, ["4 8 15 16 23 42"], None, now)
    later = time.perf_counter() - started
    db.session.rollback()
print(json.dumps([timings, freeze, later]))
"""


def timings_in_fresh_process(contest_id: int, now: datetime) -> tuple[list[float], float, float]:
    """(three one-call draw times, freeze time, later draw time), all rolled back."""
    result = subprocess.run(
        [sys.executable, "-c", _TIMING_SNIPPET, str(contest_id), now.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    timings, freeze, later = json.loads(result.stdout.strip().splitlines()[-1])
    return timings, freeze, later


def draw_rss_in_fresh_process(contest_id: int, now: datetime) -> tuple[float, float]:
    """(resident MB before the draw, peak resident MB of the process) for one draw, rolled back."""
    result = subprocess.run(
        [sys.executable, "-c", _RSS_SNIPPET, str(contest_id), now.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    before, peak = json.loads(result.stdout.strip().splitlines()[-1])
    return before, peak


def bench_backend(name: str, url: str, entries: int) -> dict:
    instance = Path(tempfile.mkdtemp(prefix=f"contests-drawbench-{name}-"))
    os.environ.update(
        {
            "CONTESTS_DATABASE_URL": url,
            "CONTESTS_INSTANCE_PATH": str(instance),
            "CONTESTS_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789abcdef",
        }
    )
    subprocess.run(
        [str(Path(sys.executable).with_name("contests")), "db", "upgrade"],
        check=True,
        capture_output=True,
    )
    from contests import create_app
    from contests.contest.editing import add_prize, create_contest
    from contests.contest.publishing import publish_contest
    from contests.extensions import db
    from contests.organizations import create_organization
    from contests.timezones import utc_to_local
    from contests.winners.drawing import perform_draw

    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        organization = create_organization("Bench")
        start = utc_to_local(now - timedelta(days=3), "Europe/Paris").replace(
            second=0, microsecond=0
        )
        contest = create_contest(
            organization,
            {
                "title": "Bench",
                "slug": "bench",
                "timezone": "Europe/Paris",
                "starts_at": start,
                "ends_at": start + timedelta(days=1),
                "min_age": 0,
                "territory": "FR",
                "legal_name": "B",
                "legal_form": "B",
                "registration_number": "B",
                "legal_address": "B",
                "contact_email": "b@example.org",
                "dpo_contact": "b",
                "data_retention_months": 1,
                "alternates_per_prize": 10,
                "entropy_sources": "numbers",
                "draw_at": start + timedelta(days=2),
                "claim_days": 30,
            },
            None,
        )
        add_prize(
            contest, {"title": "Lot", "quantity": 10, "unit_value": 100, "currency": "EUR"}, None
        )
        publish_contest(contest, None, contest.starts_at - timedelta(days=1))
        db.session.commit()
        contest_id = contest.id
    started = time.perf_counter()
    load_entries(app, contest_id, entries)
    load_seconds = time.perf_counter() - started
    settle_loaded_entries(app)

    rss = draw_rss_in_fresh_process(contest_id, now)
    # Timed without tracemalloc (it slows allocation several times); memory from a traced run.
    timings, freeze_seconds, later_seconds = timings_in_fresh_process(contest_id, now)
    with app.app_context():
        from contests.models import Contest

        if os.environ.get("FREEZE_PROFILE"):  # the freeze, then the later draw, profiled here
            import cProfile
            import pstats

            from contests.winners.freezing import freeze_entrants

            profile = cProfile.Profile()
            profile.enable()
            freeze_entrants(db.session.get(Contest, contest_id), now)
            perform_draw(db.session.get(Contest, contest_id), ["4 8 15 16 23 42"], None, now)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumtime").print_stats(40)
            db.session.rollback()
        contest = db.session.get(Contest, contest_id)
        tracemalloc.start()
        if os.environ.get("DRAW_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            draw = profile.runcall(perform_draw, contest, ["4 8 15 16 23 42"], None, now)
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)
        else:
            draw = perform_draw(contest, ["4 8 15 16 23 42"], None, now)
        db.session.commit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        record_path, entrants_path = instance / "record.json", instance / "entrants.txt"
        record_path.write_text(draw.record)
        entrants_path.write_bytes(draw.entrants_file)
        record = json.loads(draw.record)
        lookups = receipt_lookups(draw)
    started = time.perf_counter()
    verify = subprocess.run(
        [sys.executable, "-S", "-m", "contests.draw.verify", str(record_path), str(entrants_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    verify_seconds = time.perf_counter() - started
    return {
        "load": load_seconds,
        "draw": timings[0],
        "draw_median": sorted(timings)[1],
        "peak_mb": peak / 2**20,
        "rss_before_mb": rss[0],
        "rss_peak_mb": rss[1],
        "verify": verify_seconds,
        "verify_ok": verify.returncode == 0,
        "count": record["entrants"]["count"],
        "freeze": freeze_seconds,
        "later": later_seconds,
        "lookup_median_ms": lookups[len(lookups) // 2] * 1000,
        "lookup_max_ms": lookups[-1] * 1000,
    }


def receipt_lookups(draw, count: int = 50) -> list[float]:
    """Seconds of each of ``count`` receipt checks (entry, sub-block read, Merkle path) spread
    over the list, sorted; each proof is checked against the record's root."""
    from sqlalchemy import func, select

    from contests.draw import merkle
    from contests.extensions import db
    from contests.models import Entry
    from contests.winners.records import receipt_inclusion

    codes = list(
        db.session.execute(
            select(Entry.receipt_code)
            .where(Entry.contest_id == draw.contest_id)
            .order_by(func.random())
            .limit(count)
        ).scalars()
    )
    record = json.loads(draw.record)
    root, size = bytes.fromhex(record["entrants"]["merkle_root"]), record["entrants"]["count"]
    timings = []
    profile = None
    if os.environ.get("LOOKUP_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
    for code in codes:
        started = time.perf_counter()
        if profile:
            profile.enable()
        found = receipt_inclusion(draw, draw.contest, code)
        if profile:
            profile.disable()
        timings.append(time.perf_counter() - started)
        proof = [bytes.fromhex(h) for h in found["proof"]]
        assert merkle.verify_inclusion(found["line"].encode(), found["index"], size, proof, root)
    if profile:
        import pstats

        pstats.Stats(profile).sort_stats("cumtime").print_stats(25)
    return sorted(timings)


def selection_in_memory(count: int) -> tuple[float, float]:
    """Stream `count` (entry_id, weight) pairs through vdraw-v1 selection; return seconds and peak
    MB."""
    import hashlib

    from contests.draw.select import select

    tracemalloc.start()
    started = time.perf_counter()
    select(hashlib.sha256(b"bench").digest(), ((i, 1) for i in range(1, count + 1)), 20)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--in-memory", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CONTESTS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    from bench.entry_load import bench_database, drop_bench_database

    url = bench_database(args.backend, "drawbench", args.postgres_url)
    try:
        r = bench_backend(args.backend, url, args.entries)
    finally:
        drop_bench_database(url)
    ok = (
        r["draw"] <= 3
        and r["peak_mb"] <= 300
        and r["rss_peak_mb"] - r["rss_before_mb"] <= 300
        and r["verify"] <= 3
        and r["verify_ok"]
        and r["lookup_max_ms"] <= 20
        and r["freeze"] + r["later"] <= 3
    )
    print(
        f"{args.backend:<11} {r['count']} entries (loaded in {r['load']:.1f} s): frozen + drawn "
        f"in one call {r['draw']:.2f} s first, "
        f"{r['draw_median']:.2f} s median of 3 (target 3 s); frozen at the close "
        f"{r['freeze']:.2f} s then drawn {r['later']:.2f} s; resident "
        f"{r['rss_peak_mb'] - r['rss_before_mb']:.0f} MB "
        f"above the app's {r['rss_before_mb']:.0f} MB (process peak {r['rss_peak_mb']:.0f} MB), "
        f"peak {r['peak_mb']:.0f} MB traced (target 300 MB), verifier {r['verify']:.2f} s "
        f"(target 3 s, {'PASS' if r['verify_ok'] else 'FAIL'}), receipt check "
        f"{r['lookup_median_ms']:.1f} ms median, {r['lookup_max_ms']:.1f} ms slowest of 50 "
        f"(target 20 ms)  {'ok' if ok else 'BELOW TARGET'}"
    )
    if args.in_memory:
        seconds, peak = selection_in_memory(args.in_memory)
        print(
            f"in-memory  selection over {args.in_memory} records: {seconds:.1f} s, peak "
            f"{peak:.1f} MB traced (target 500 MB)"
            f"  {'ok' if peak <= 500 else 'BELOW TARGET'}"
        )
        ok = ok and peak <= 500
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
