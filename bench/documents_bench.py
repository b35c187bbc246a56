"""Documents benchmark: the rules PDF cold and cached, the certificates, in one process.

Run with `make bench-documents`. It creates the demo in a temporary SQLite database, then times
through the app's own request path (Flask test client, no network):

  - the first rules PDF of the process (WeasyPrint and fonts loading included),
  - a rules PDF rendered for the first time in a warm process (what an amendment costs),
  - the cached rules PDF (served from the database row; the issue's target: well under 20 ms),
  - the public draw certificate, rendered and then kept (a substitution makes a new one).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def main() -> int:
    instance = tempfile.mkdtemp(prefix="contests-docs-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    env.update(
        CONTESTS_DATABASE_URL=f"sqlite:///{instance}/bench.sqlite3",
        CONTESTS_INSTANCE_PATH=instance,
        CONTESTS_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",
    )
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            [str(BIN / "contests"), *args], env=env, cwd=ROOT, check=True, capture_output=True
        )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from contests import create_app

    app = create_app()
    client = app.test_client()
    rows = []
    cold, response = timed(lambda: client.get("/c/demo/rules.pdf"))
    assert response.status_code == 200, response.status_code
    rows.append(("rules PDF, first of the process", cold, len(response.data)))
    warm, response = timed(lambda: client.get("/c/demo-termine/rules.pdf"))
    rows.append(("rules PDF, first render (warm process)", warm, len(response.data)))
    samples = [timed(lambda: client.get("/c/demo/rules.pdf"))[0] for _ in range(300)]
    samples.sort()
    cached_median, cached_p99 = statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
    with app.app_context():
        from sqlalchemy import select

        from contests.extensions import db
        from contests.models import Draw

        draw = db.session.execute(select(Draw).where(Draw.state == "drawn")).scalars().first()
        draw_id = draw.id

    def fresh_certificate():
        app.extensions.pop(
            "contests.public_certificates", None
        )  # measure the rendering, not the kept copy
        return client.get(f"/d/{draw_id}/certificate.pdf")

    certificate = [timed(fresh_certificate) for _ in range(5)]
    rows.append(
        (
            "public draw certificate, rendered (median of 5)",
            statistics.median(t for t, _ in certificate),
            len(certificate[0][1].data),
        )
    )
    kept = sorted(timed(lambda: client.get(f"/d/{draw_id}/certificate.pdf"))[0] for _ in range(50))
    rows.append(
        (
            "public draw certificate, kept (median of 50)",
            statistics.median(kept),
            len(certificate[0][1].data),
        )
    )
    print(f"{'document':<50}{'ms':>10}{'bytes':>10}")
    print("-" * 70)
    for label, ms, size in rows:
        print(f"{label:<50}{ms:>10.1f}{size:>10}")
    verdict = "ok" if cached_p99 < 20 else "ABOVE 20 ms"
    print(
        f"{'rules PDF, cached (300 requests)':<50}{cached_median:>10.2f}   median; p99 "
        f"{cached_p99:.2f} ms  {verdict}"
    )
    return 0 if cached_p99 < 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
