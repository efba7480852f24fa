"""`make bench`: the checker's throughput and memory, printed as figures (never asserted).

1. Throughput: a generated 1,000,000-row contact-list CSV, checked by listdrop, against a bare `csv.reader`
   loop over the same file in the same run (the practical floor for Python). Best of 3 runs each. The first file
   also checked with `listdrop validate --progress`'s callback, to show what reporting progress costs.
2. Memory: peak RSS of a child process checking a 10 MB file and a 1 GB file of the same layout, and the 1 GB file
   gzip-compressed (decompressed as it is read); the first file gzip-compressed is timed too.
3. The split path: a suppression-list PUT file of 20 jobs' rows (2,000,000; 100,000 a job) checked into 20 parts,
   against the same file checked unsplit (one job's limit raised to the whole file) and one job's worth of rows:
   time and peak RSS of a child process each. The parts go to a sink that counts them (S3 is not measured here:
   the S3 sink holds one part's 8 MiB buffer at a time either way).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions")]

from listdrop.cli.progress import ProgressLine  # noqa: E402
from listdrop.cli.validate import progress_text  # noqa: E402
from listdrop.keys import compression  # noqa: E402
from listdrop.routing import route  # noqa: E402
from listdrop.validation import RowPolicy, check_records  # noqa: E402
from listdrop.validation.archives import unpacked_reader  # noqa: E402
from listdrop.validation.report import ReportWriter  # noqa: E402
from listdrop.validation.sinks import NullSink  # noqa: E402

KEY = "imports/ses/contact-lists/Bench/put/bench.csv"
HEADER_PLAIN = "emailAddress,unsubscribeAll,topicPreferences.news,topicPreferences.offers\n"
HEADER_ATTRIBUTES = "emailAddress,unsubscribeAll,attributesData,topicPreferences.news,topicPreferences.offers\n"


def write_contacts(path: Path, *, rows: int | None = None, size: int | None = None, padding: int = 0) -> int:
    """Rows like a CRM export; with padding, each row carries an attributesData object of about that size."""
    header = HEADER_ATTRIBUTES if padding else HEADER_PLAIN
    written, count = 0, 0
    filler = "x" * padding
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        written += len(header)
        batch: list[str] = []
        while (rows is None or count < rows) and (size is None or written < size):
            unsubscribe = "true" if count % 10 == 0 else "false"
            news = "OPT_IN" if count % 3 else "OPT_OUT"
            attributes = f'"{{""firstName"":""Ann{count}"",""notes"":""{filler}""}}",' if padding else ""
            line = f"user{count}@example{count % 97}.com,{unsubscribe},{attributes}{news},\n"
            batch.append(line)
            written += len(line)
            count += 1
            if len(batch) == 10_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    return count


def check(path: Path, progress: Callable[[int, int], None] | None = None) -> tuple[float, object]:
    """Check a file as the starter does: a `.gz` one decompressed as it is read."""
    started = time.perf_counter()
    with path.open("rb") as stream:
        read, _note = unpacked_reader(stream, compression(path.name), max_bytes=2**40)
        result = check_records(
            read,
            route(KEY),
            output=NullSink(),
            report=ReportWriter(NullSink()),
            policy=RowPolicy(),
            progress=progress,
        )
    return time.perf_counter() - started, result


def bare_csv_loop(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as stream:
        for _row in csv.reader(stream):
            pass
    return time.perf_counter() - started


def check_with_progress(path: Path) -> float:
    """As `listdrop validate --progress` checks it: a clock read per block, a line into a log every 10 s."""
    line = ProgressLine(io.StringIO(), wanted=True)
    return check(path, line.reporter(partial(progress_text, size=path.stat().st_size)))[0]


def gzipped(path: Path) -> Path:
    """The file gzip-compressed at level 1 (fast to write; the checker's cost hardly depends on the level)."""
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.open(target, "wb", compresslevel=1) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return target


def gzip_cost(path: Path) -> None:
    compressed = gzipped(path)
    best = min(check(compressed)[0] for _ in range(3))
    print(f"  the same file gzipped  {best:6.2f} s   {1_000_000 / best:>12,.0f} rows/s   (decompressed as read)")


def throughput(workdir: Path, *, padding: int, label: str, target: str) -> Path:
    path = workdir / f"contacts-1m-{padding}.csv"
    write_contacts(path, rows=1_000_000, padding=padding)
    floor = min(bare_csv_loop(path) for _ in range(3))
    runs = [check(path) for _ in range(3)]
    best, result = min(runs, key=lambda run: run[0])
    assert getattr(result, "accepted", False), getattr(result, "rejection", None)
    megabytes = path.stat().st_size / 1e6
    print(f"{label}: {megabytes:,.0f} MB, 1,000,000 rows")
    print(f"  bare csv.reader loop   {floor:6.2f} s   {1_000_000 / floor:>12,.0f} rows/s")
    print(f"  listdrop checker       {best:6.2f} s   {1_000_000 / best:>12,.0f} rows/s")
    print(f"  ratio (checker / loop) {floor / best:6.2f}   ({target})")
    return path


def progress_cost(path: Path, runs: int = 5) -> None:
    """What `validate --progress`'s callback costs: its calls per file times one call's time (a figure a busy machine
    hardly moves), and the checker alone and with it, runs interleaved (which a busy machine does move)."""
    calls: list[int] = []
    check(path, lambda rows, _read: calls.append(rows))
    callback = ProgressLine(io.StringIO(), wanted=True).reporter(partial(progress_text, size=path.stat().st_size))
    repeats = 1_000_000
    started = time.perf_counter()
    for _ in range(repeats):
        callback(1, 1)
    per_call = (time.perf_counter() - started) / repeats
    alone, reported = [], []
    for _ in range(runs):
        alone.append(check(path)[0])
        reported.append(check_with_progress(path))
    best, with_progress = min(alone), min(reported)
    total = len(calls) * per_call
    print("Progress: `validate --progress`'s callback on the first file")
    print(f"  {len(calls):,} calls (one per block read) x {per_call * 1e6:.2f} us = {total * 1e3:.3f} ms,")
    print(f"  {total / best:.4%} of the check; best of {runs}, runs interleaved:")
    print(f"  checker alone          {best:6.2f} s   {1_000_000 / best:>12,.0f} rows/s")
    print(f"  with the callback      {with_progress:6.2f} s   {1_000_000 / with_progress:>12,.0f} rows/s")


def peak_rss_mb(path: Path) -> tuple[float, int]:
    # VmHWM, not ru_maxrss: ru_maxrss survives fork and exec, so it would report this parent's peak.
    code = (
        "import sys; from pathlib import Path; sys.path[:0] = [sys.argv[1]];"
        "from bench.validation import check; seconds, result = check(Path(sys.argv[2]));"
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'));"
        "print(int(hwm.split()[1]) / 1024, result.total_rows)"
    )
    output = subprocess.run(  # noqa: S603  # our own interpreter and arguments
        [sys.executable, "-c", code, str(ROOT), str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(output[0]), int(output[1])


_SPLIT_CHILD = (
    "import sys, time; from pathlib import Path; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/functions'];"
    "from listdrop.validation import formats; formats.SUPPRESSION_PUT_RECORD_LIMIT = int(sys.argv[3]);"
    "from bench.validation import check_split; seconds, jobs = check_split(Path(sys.argv[2]));"
    "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'));"
    "print(seconds, int(hwm.split()[1]) / 1024, jobs)"
)
SPLIT_KEY = "imports/ses/suppression-list/put/bench.csv"


def check_split(path: Path) -> tuple[float, int]:
    """Check a suppression PUT file as the starter does, into parts a sink counts: seconds, jobs."""
    output = NullSink()
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = check_records(
            stream.read, route(SPLIT_KEY), output=output, report=ReportWriter(NullSink()), policy=RowPolicy()
        )
    assert output.parts == result.jobs, "one part per job"
    return time.perf_counter() - started, result.jobs


def split_run(path: Path, per_job: int) -> tuple[float, float, int]:
    """Seconds, peak RSS (MiB) and jobs of a child process checking `path` with `per_job` rows a job."""
    output = subprocess.run(  # noqa: S603  # our own interpreter and arguments
        [sys.executable, "-c", _SPLIT_CHILD, str(ROOT), str(path), str(per_job)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), float(output[1]), int(output[2])


def split_path(workdir: Path, *, per_job: int = 100_000, jobs: int = 20) -> None:
    one, many = workdir / "suppress-one-job.csv", workdir / "suppress-many-jobs.csv"
    for path, rows in ((one, per_job), (many, per_job * jobs)):
        with path.open("w", encoding="utf-8") as out:
            out.writelines(f"user{n}@bench.example,BOUNCE\n" for n in range(rows))
    runs = [
        (f"{per_job:,} rows, 1 job", one, per_job),
        (f"{per_job * jobs:,} rows, split into parts", many, per_job),
        (f"{per_job * jobs:,} rows, unsplit (1 job)", many, per_job * jobs),
    ]
    print(f"Split path: suppression-list PUT, {per_job:,} rows a job (time and peak RSS of a child process)")
    for label, path, limit in runs:
        seconds, rss, counted = split_run(path, limit)
        print(f"  {label:<36} {counted:>3} jobs {seconds:6.2f} s {rss:7.1f} MiB")


def memory(workdir: Path, *, big_bytes: int) -> None:
    small, big = workdir / "contacts-10mb.csv", workdir / "contacts-big.csv"
    # About 1 KB of attributes per row keeps the 1 GB file under the 1,000,000-contact job limit, so the whole
    # file is checked and the duplicate-address index reaches its largest size.
    padding = max(0, big_bytes // 1_000_000 - 80)
    write_contacts(small, size=10 * 1024 * 1024, padding=padding)
    write_contacts(big, size=big_bytes, padding=padding)
    small_mb, small_rows = peak_rss_mb(small)
    big_mb, big_rows = peak_rss_mb(big)
    big_size, big_gz = big.stat().st_size, gzipped(big)
    big.unlink()  # only the compressed copy is needed from here on
    gz_mb, gz_rows = peak_rss_mb(big_gz)
    print(f"Memory: peak RSS of a process checking one file (rows with ~{padding} bytes of attributes)")
    print(f"  {small.stat().st_size / 2**20:8,.0f} MiB file, {small_rows:>9,} rows: {small_mb:7.1f} MiB")
    print(f"  {big_size / 2**20:8,.0f} MiB file, {big_rows:>9,} rows: {big_mb:7.1f} MiB")
    print(f"  {big_gz.stat().st_size / 2**20:8,.0f} MiB gzip of it, {gz_rows:>9,} rows: {gz_mb:7.1f} MiB")
    print(f"  difference: {big_mb - small_mb:.1f} MiB, gzip {gz_mb - small_mb:.1f} MiB   (target < 64 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big-bytes", type=int, default=1024**3, help="size of the large file (default 1 GiB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="listdrop-bench-") as tmp:
        workdir = Path(tmp)
        plain = throughput(
            workdir, padding=0, label="Throughput, contact list without attributes", target="target >= 0.50"
        )
        gzip_cost(plain)
        progress_cost(plain)
        throughput(
            workdir,
            padding=40,
            label="Throughput, contact list with attributesData on every row",
            target="no target: the loop does not parse the JSON the checker must",
        )
        memory(workdir, big_bytes=args.big_bytes)
        split_path(workdir)


if __name__ == "__main__":
    main()
