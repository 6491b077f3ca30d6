"""`python -m finops_assets.demo {generate,materialize,summary}`: the `make demo` steps.

- generate: write demo exports into the landing folder (FINOPS_LANDING_URL, default ./data/landing);
- restate: write a newer assembly for the newest month(s), as AWS does several times a day;
- materialize: run `aws_cur_raw` through Dagster for every month that has a manifest, one run per month,
  recorded in the Dagster instance (DAGSTER_HOME) so `make dev` shows them;
- summary: print one line per loaded month from the warehouse.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from finops_assets.settings import load_settings


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)


def generate(args: argparse.Namespace) -> int:
    from finops_assets.demo.aws_cur import generate_aws_cur, month_range

    settings = load_settings()
    months = month_range(args.end_month, args.months)
    if months[0] < settings.start_month:
        print(f"error: the demo starts at {months[0]:%Y-%m}, before FINOPS_START_MONTH {settings.start_month:%Y-%m}", file=sys.stderr)
        return 2
    written = generate_aws_cur(
        Path(settings.landing_url), months, args.rows_per_month, args.seed, prefix=settings.aws_cur_prefix,
        restated_months=0,
    )
    rows = sum(a.row_count for a in written)
    print(f"wrote {len(written)} CUR assemblies ({rows:,} rows) for {months[0]:%Y-%m}..{months[-1]:%Y-%m} into {settings.landing_url}")
    return 0


def restate(args: argparse.Namespace) -> int:
    from finops_assets.defs.aws_cur.discovery import discover_manifests
    from finops_assets.demo.aws_cur import restate_aws_cur
    from finops_assets.landing import landing_from_url

    settings = load_settings()
    months = sorted({r.billing_month for r in discover_manifests(landing_from_url(settings.landing_url), settings.aws_cur_prefix)})
    if not months:
        print("nothing to restate: run `make demo-data` first", file=sys.stderr)
        return 1
    written = restate_aws_cur(Path(settings.landing_url), months[-args.months :], args.rows_per_month, args.seed, prefix=settings.aws_cur_prefix)
    for assembly in written:
        print(f"restated {assembly.billing_month:%Y-%m}: new assembly {assembly.assembly_id} ({assembly.row_count:,} rows)")
    return 0


def materialize(args: argparse.Namespace) -> int:
    import dagster as dg

    from finops_assets.defs.aws_cur.discovery import discover_manifests
    from finops_assets.definitions import build_definitions
    from finops_assets.landing import landing_from_url

    settings = load_settings()
    months = sorted({ref.billing_month for ref in discover_manifests(landing_from_url(settings.landing_url), settings.aws_cur_prefix)})
    if not months:
        print(f"no CUR manifests under {settings.landing_url}/{settings.aws_cur_prefix}: run `make demo-data` first", file=sys.stderr)
        return 1
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    failed = []
    with dg.DagsterInstance.get() as instance:
        for month in months:
            result = job.execute_in_process(
                partition_key=month.isoformat(), instance=instance, asset_selection=[dg.AssetKey("aws_cur_raw")],
                raise_on_error=False,
            )
            if result.success:
                (event,) = result.get_asset_materialization_events()
                status = event.materialization.metadata["status"].value
            else:
                status = "FAILED"
            print(f"aws_cur_raw {month:%Y-%m}: {status} (run {result.run_id})")
            if not result.success:
                failed.append(month)
    return 1 if failed else 0


def summary(args: argparse.Namespace) -> int:
    from finops_assets.warehouse.duckdb_warehouse import connect
    from finops_assets.warehouse.tracking import format_decimal

    settings = load_settings()
    if not Path(settings.duckdb_path).exists():
        print(f"no warehouse at {settings.duckdb_path}: run `make demo`", file=sys.stderr)
        return 1
    con = connect(settings.duckdb_path, read_only=True)
    schema = settings.raw_dataset.replace('"', '""')
    rows = con.execute(
        f"""WITH loads AS (
                SELECT billing_month, execution_id, loaded_at,
                       count(DISTINCT execution_id) OVER (PARTITION BY billing_month) AS assemblies,
                       row_number() OVER (PARTITION BY billing_month ORDER BY loaded_at DESC) AS newest
                FROM "{schema}"._load_tracking WHERE source = 'aws_cur'),
            months AS (
                SELECT date_trunc('month', bill_billing_period_start_date)::DATE AS billing_month,
                       count(*) AS row_count, sum(line_item_unblended_cost) AS unblended
                FROM "{schema}".aws_cur_raw GROUP BY ALL)
            SELECT m.billing_month, m.row_count, m.unblended, l.execution_id, l.assemblies
            FROM months m JOIN loads l ON l.billing_month = m.billing_month AND l.newest = 1
            ORDER BY 1"""
    ).fetchall()
    con.close()
    print(f"\naws_cur_raw in {settings.duckdb_path} ({settings.raw_dataset}.aws_cur_raw)")
    print(f"{'month':<8} {'rows':>10} {'unblended cost (USD)':>30}  {'assembly id':<38} assemblies seen")
    for month, count, unblended, assembly, assemblies in rows:
        print(f"{month:%Y-%m}  {count:>10,} {format_decimal(unblended):>30}  {assembly:<38} {assemblies}")
    total_rows = sum(r[1] for r in rows)
    total = sum((r[2] for r in rows if r[2] is not None), start=0)
    print(f"{'total':<8} {total_rows:>10,} {format_decimal(total):>30}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finops_assets.demo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write demo exports into the landing area")
    gen.add_argument("--months", type=int, default=6)
    gen.add_argument("--rows-per-month", type=int, default=20000)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--end-month", type=_month, default=date.today().replace(day=1), help="YYYY-MM (default: this month)")
    gen.set_defaults(func=generate)
    res = commands.add_parser("restate", help="write a newer assembly for the newest month(s)")
    res.add_argument("--months", type=int, default=1)
    res.add_argument("--rows-per-month", type=int, default=20000)
    res.add_argument("--seed", type=int, default=7)
    res.set_defaults(func=restate)
    commands.add_parser("materialize", help="load every month that has data through Dagster").set_defaults(func=materialize)
    commands.add_parser("summary", help="print the loaded months").set_defaults(func=summary)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
