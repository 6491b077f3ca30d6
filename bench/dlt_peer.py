"""The peer: dlt loading one month's CUR CSV.gz parts into DuckDB with its filesystem source. Runs in its own
virtualenv (bench/.venv-dlt: dlt 1.31 with duckdb<2, whose `read_csv_duckdb` needs a relation with `fetchmany`),
so it imports nothing from the project; bench/run.py passes the files and column types as JSON.

Configuration, as dlt's filesystem docs recommend for speed: the `read_csv_duckdb` reader with
`use_pyarrow=True` (Arrow batches, no per-row normalisation), large chunks, explicit column types (DuckDB's
`dtype`), and Parquet as the loader file format (the DuckDB destination loads Parquet natively).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import dlt
from dlt.sources.filesystem import filesystem, read_csv_duckdb

CHUNK_ROWS = 100_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlt_peer")
    parser.add_argument("--folder", required=True, help="the month's assembly folder")
    parser.add_argument("--glob", default="*.csv.gz")
    parser.add_argument("--types", required=True, help="JSON object: CSV header -> DuckDB type")
    parser.add_argument("--database", required=True)
    parser.add_argument("--pipelines-dir", required=True)
    args = parser.parse_args(argv)
    with open(args.types) as handle:
        types = json.load(handle)

    started = time.perf_counter()
    files = filesystem(bucket_url=args.folder, file_glob=args.glob)
    reader = files | read_csv_duckdb(
        use_pyarrow=True, chunk_size=CHUNK_ROWS, header=True, dtype=types, delimiter=",", quotechar='"',
        escapechar='"',
    )
    pipeline = dlt.pipeline(
        pipeline_name="cur_peer", pipelines_dir=args.pipelines_dir,
        destination=dlt.destinations.duckdb(args.database), dataset_name="billing_raw",
    )
    info = pipeline.run(reader.with_name("aws_cur_raw"), loader_file_format="parquet", write_disposition="replace")
    seconds = time.perf_counter() - started
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("aws_cur_raw", 0)
    print(json.dumps({"seconds": seconds, "rows": rows, "dlt": dlt.__version__}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
