"""`make bench`: a list export's memory and speed, whatever the list's length.

A fake SES pages a suppression list of N entries (1,000 a page, as listdrop asks for them) and a fake S3 keeps only the
sizes of what it is sent, so the figures are the exporter's own: the peak of Python's allocations (tracemalloc) while
the whole list is exported over as many polls as it takes, the polls, the parts, and the rows per second of CPU.
The one-a-second pacing is the real service's rate and is left out here (a fake clock), so the rate printed is
listdrop's ceiling, not what SES allows (1,000 entries a second).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

from botocore.exceptions import ClientError  # noqa: E402

from listdrop.providers.job_state import JobStateStore  # noqa: E402
from listdrop.providers.ses_export import list_export  # noqa: E402
from listdrop.providers.ses_export.list_export import ListExports  # noqa: E402

JOB_ID = "list-export-bench"


class PagedSuppressionList:
    """ListSuppressedDestinations over `size` generated entries, paged by an offset token."""

    def __init__(self, size: int) -> None:
        self.size = size

    def list_suppressed_destinations(self, **params: Any) -> dict[str, Any]:
        start = int(params.get("NextToken", "0"))
        end = min(self.size, start + params["PageSize"])
        page = [
            {"EmailAddress": f"subscriber-{n:09d}@example.com", "Reason": "BOUNCE", "LastUpdateTime": 0}
            for n in range(start, end)
        ]
        return {"SuppressedDestinationSummaries": page, **({"NextToken": str(end)} if end < self.size else {})}


class SizesOnlyS3:
    """The S3 calls a list export makes: the state folder's objects (checkpoints, carried rows, which the export
    reads back) on disk, outside the memory measured; of the file, only the sizes of its parts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.part_sizes: list[int] = []
        self.file_bytes = 0

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        path = self.folder / Key.replace("/", "_")
        if not path.exists():
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "none"}}, "GetObject")
        return {"Body": io.BytesIO(path.read_bytes())}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str) -> dict[str, Any]:
        if Key.startswith("staging/"):
            (self.folder / Key.replace("/", "_")).write_bytes(Body)
        else:
            self.file_bytes += len(Body)
        return {}

    def create_multipart_upload(self, **params: Any) -> dict[str, Any]:
        return {"UploadId": "bench"}

    def upload_part(self, **params: Any) -> dict[str, Any]:
        self.part_sizes.append(len(params["Body"]))
        self.file_bytes += len(params["Body"])
        return {"ETag": f'"{len(self.part_sizes)}"'}

    def complete_multipart_upload(self, **params: Any) -> dict[str, Any]:
        return {}


def export(size: int, folder: Path) -> dict[str, float]:
    s3 = SizesOnlyS3(folder)
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    exporter = ListExports(
        PagedSuppressionList(size),
        s3,
        JobStateStore(s3, "bench", "staging/jobs/"),
        "exports/results/",
        monotonic=lambda: clock[0],
        sleep=sleep,
    )
    exporter.start("bench", {"ListSuppressedDestinations": {}})
    tracemalloc.start()
    started = time.process_time()
    polls = 0
    while True:
        polls += 1
        status = exporter.status(JOB_ID)
        if status.state.is_final:
            break
    cpu = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "entries": status.processed,
        "polls": polls,
        "parts": len(s3.part_sizes),
        "file_mib": s3.file_bytes / 2**20,
        "peak_mib": peak / 2**20,
        "rows_per_cpu_second": status.processed / cpu if cpu else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,3000000", help="list lengths, comma-separated")
    args = parser.parse_args()
    print(
        f"list export (suppression list): {list_export.PAGE_SIZE:,} entries a page, "
        f"{list_export.SECONDS_PER_POLL:.0f} s of reading a poll, {list_export.PART_BYTES // 2**20} MiB parts"
    )
    print(f"{'entries':>10} {'polls':>6} {'parts':>6} {'file MiB':>9} {'peak MiB':>9} {'rows/CPU s':>11}")
    for size in (int(value) for value in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            figures = export(size, Path(folder))
            print(
                f"{figures['entries']:>10,} {figures['polls']:>6} {figures['parts']:>6} {figures['file_mib']:>9.1f} "
                f"{figures['peak_mib']:>9.1f} {figures['rows_per_cpu_second']:>11,.0f}"
            )


if __name__ == "__main__":
    main()
