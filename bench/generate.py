"""The benchmark's data: CUR v1 monthly history written by the demo generator (DuckDB SQL, no row passes through
Python), cached under bench/.cache between runs.

One dataset folder per (months, rows, parts, seed, generator source): the AWS history (one assembly per month),
a restated assembly of the newest month (its month-level manifest kept aside, so the cache stays the history
and the restatement is switched on by swapping one file), small Azure and GCP exports for the dbt marts, and a
landing area of 10,000 objects for the sensor tick. `dataset.json` is written last: a folder without it is
an interrupted generation and is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import finops_assets.demo.aws_cur as demo_aws_cur
from finops_assets.demo.aws_cur import generate_aws_cur, restate_aws_cur
from finops_assets.demo.azure_focus import generate_azure_focus
from finops_assets.demo.dimensions import month_range
from finops_assets.demo.gcp_billing import generate_gcp_billing

# A fixed, closed history (39 months end here at full scale), so the cache does not depend on today's date.
END_MONTH = date(2025, 12, 1)
SEED = 11
AWS_PREFIX = "aws_cur"
AZURE_PREFIX = "azure_focus"
GCP_PREFIX = "gcp_billing"
# The marts need every cloud's raw table; the other clouds are small so the AWS volume dominates.
OTHER_CLOUD_ROWS_PER_MONTH = 2000
SENSOR_OBJECTS = 10_000


@dataclass(frozen=True)
class Dataset:
    # Paths are absolute in memory, relative to the dataset folder in dataset.json (the cache can be moved).
    root: str  # the dataset folder
    landing: str  # FINOPS_LANDING_URL for the runs
    months: list[str]  # ISO month starts, oldest first
    rows_per_month: int
    rows: int  # AWS history rows (the restatement excluded)
    parts_per_month: int
    data_files: list[str]  # absolute paths of the history's CSV.gz parts, month by month
    bytes: int
    restated_month: str
    restated_rows: int
    history_manifest: str  # landing key of the restated month's month-level manifest
    generate_seconds: float
    generate_cpu_seconds: float
    sensor_landing: str
    sensor_objects: int

    @classmethod
    def load(cls, marker: Path) -> "Dataset":
        """The dataset of `marker` (its dataset.json), paths resolved against the folder it is in now. Paths
        written absolute by an older generator are re-rooted from the folder they were written in."""
        folder = Path(marker).resolve().parent
        stored = json.loads(Path(marker).read_text())
        old_root = stored["root"]

        def resolve(path: str) -> str:
            if Path(path).is_absolute():
                path = str(Path(path).relative_to(old_root)) if Path(path).is_relative_to(old_root) else path
            return str(folder / path)

        return cls(**{**stored, "root": str(folder), "landing": resolve(stored["landing"]),
                      "sensor_landing": resolve(stored["sensor_landing"]),
                      "data_files": [resolve(p) for p in stored["data_files"]]})

    def save(self, marker: Path) -> None:
        def relative(path: str) -> str:
            return str(Path(path).relative_to(self.root))

        stored = {**asdict(self), "root": ".", "landing": relative(self.landing),
                  "sensor_landing": relative(self.sensor_landing), "data_files": [relative(p) for p in self.data_files]}
        Path(marker).write_text(json.dumps(stored, indent=1))

    @property
    def month_dates(self) -> list[date]:
        return [date.fromisoformat(m) for m in self.months]

    def use_history(self) -> None:
        """Point the newest month at its original assembly (the full-history load reads this)."""
        self._swap("history-manifest.json")

    def use_restatement(self) -> None:
        """Point the newest month at its restated assembly, as AWS does when it restates a month."""
        self._swap("restated-manifest.json")

    def _swap(self, saved: str) -> None:
        target = Path(self.landing) / self.history_manifest
        target.write_text((Path(self.root) / saved).read_text())


def rows_per_month(rows: int, months: int) -> int:
    """The rows of each month so that the history totals `rows` (rounded to whole rows per month)."""
    if months < 1 or rows < months:
        raise ValueError(f"need at least one month and one row per month (rows={rows}, months={months})")
    return round(rows / months)


def dataset_folder(cache: Path, months: int, rows: int, parts: int, seed: int = SEED) -> Path:
    """The cache folder of one dataset; the generators' source is part of the key, so a changed generator
    regenerates."""
    sources = [demo_aws_cur.__file__, __file__]
    digest = hashlib.sha256(b"".join(Path(s).read_bytes() for s in sources)).hexdigest()[:10]
    return cache / f"cur-{months}m-{rows}r-{parts}p-s{seed}-{digest}"


def ensure_dataset(cache: Path, *, months: int, rows: int, parts: int, seed: int = SEED, log=print) -> Dataset:
    folder = dataset_folder(cache, months, rows, parts, seed)
    marker = folder / "dataset.json"
    if marker.exists():
        log(f"dataset: cached {folder}")
        return Dataset.load(marker)
    if folder.exists():
        shutil.rmtree(folder)
    landing = folder / "landing"
    landing.mkdir(parents=True)
    month_list = month_range(END_MONTH, months)
    per_month = rows_per_month(rows, months)
    log(f"dataset: generating {months} months x {per_month:,} rows ({parts} CSV.gz parts a month) into {folder}")

    started, cpu_started = time.perf_counter(), time.process_time()
    history = generate_aws_cur(landing, month_list, per_month, seed, prefix=AWS_PREFIX, parts_per_month=parts,
                               restated_months=0)
    generate_seconds, generate_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    log(f"dataset: {per_month * months:,} rows in {generate_seconds:.1f} s "
        f"({per_month * months / generate_seconds:,.0f} rows/s)")

    newest = history[-1]
    month_level = landing / newest.manifest_key
    (folder / "history-manifest.json").write_text(month_level.read_text())
    (restated,) = restate_aws_cur(landing, [newest.billing_month], per_month, seed, prefix=AWS_PREFIX,
                                  parts_per_month=parts)
    (folder / "restated-manifest.json").write_text(month_level.read_text())
    month_level.write_text((folder / "history-manifest.json").read_text())

    generate_azure_focus(landing, month_list, OTHER_CLOUD_ROWS_PER_MONTH, seed, prefix=AZURE_PREFIX, rerun_months=0)
    generate_gcp_billing(landing, month_list, OTHER_CLOUD_ROWS_PER_MONTH, seed, prefix=GCP_PREFIX)

    sensor_landing = folder / "sensor-landing"
    sensor_objects = build_sensor_landing(sensor_landing, landing, [a.manifest_key for a in history], SENSOR_OBJECTS)

    data_files = [str(landing / key) for assembly in history for key in assembly.data_keys]
    dataset = Dataset(
        root=str(folder), landing=str(landing), months=[m.isoformat() for m in month_list], rows_per_month=per_month,
        rows=per_month * months, parts_per_month=parts, data_files=data_files,
        bytes=sum(Path(p).stat().st_size for p in data_files), restated_month=newest.billing_month.isoformat(),
        restated_rows=restated.row_count, history_manifest=newest.manifest_key, generate_seconds=generate_seconds,
        generate_cpu_seconds=generate_cpu, sensor_landing=str(sensor_landing), sensor_objects=sensor_objects,
    )
    dataset.save(marker)
    return Dataset.load(marker)


def build_sensor_landing(target: Path, landing: Path, manifest_keys: list[str], objects: int) -> int:
    """A landing area of exactly `objects` objects shaped as a long-lived CUR bucket: the real month-level
    manifests, then earlier assemblies of each month (a manifest copy and gzip parts, AWS keeps them all)
    until the count is reached. Parts are empty: a sensor tick lists, it does not read data."""
    if len(manifest_keys) > objects:
        raise ValueError(f"{len(manifest_keys)} manifests do not fit in {objects} objects")
    for key in manifest_keys:
        (target / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(landing / key, target / key)
    written = len(manifest_keys)
    assembly = 0
    while written < objects:
        month_folder = (target / manifest_keys[assembly % len(manifest_keys)]).parent
        report = Path(manifest_keys[0]).name.removesuffix("-Manifest.json")
        folder = month_folder / f"{assembly:08d}-0000-4000-8000-000000000000"
        folder.mkdir()
        names = [f"{report}-Manifest.json"] + [f"{report}-{p:05d}.csv.gz" for p in range(1, 9)]
        for name in names[: objects - written]:
            (folder / name).write_bytes(b"")
            written += 1
        assembly += 1
    return written
