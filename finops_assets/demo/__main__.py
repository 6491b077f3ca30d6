"""`python -m finops_assets.demo {all,generate,restate,materialize,models,report,summary}`: the `make demo` steps.

`all` runs every step in one process (`make demo`); the others run one step each.

- generate: write demo exports of every cloud into the landing folder (FINOPS_LANDING_URL);
- restate: a newer export version of the newest month(s) (AWS assembly, Data Exports execution, Azure re-export
  run, GCP rows);
- materialize: run each raw asset through Dagster for every month that has an export, one run per month;
- models: the dbt models in one run (`dbt build`, tests as asset checks), then the performance facts over the
  span days in a second run;
  runs are recorded in the Dagster instance (DAGSTER_HOME) so `make dev` shows them;
- report: materialize `cost_report` (the HTML cost report in FINOPS_REPORTS_DIR) and print its path;
- summary: print one line per loaded month and source from the warehouse.

`all` ends with the data-quality checks of every run it made (`finops_assets/demo/check_report.py`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from finops_assets.landing import Landing, landing_from_url
from finops_assets.settings import Settings, load_settings


@dataclass(frozen=True)
class DemoSource:
    asset: str
    source: str  # _load_tracking.source
    partition_column: str
    cost_column: str
    months: Callable[[Landing, Settings], set[date]]


def _cur_months(landing: Landing, settings: Settings) -> set[date]:
    from finops_assets.defs.aws_cur.discovery import discover_manifests

    return {r.billing_month for r in discover_manifests(landing, settings.aws_cur_prefix)}


def _data_exports_months(landing: Landing, settings: Settings) -> set[date]:
    from finops_assets.defs.aws_data_exports.discovery import discover_manifests

    return {r.billing_month for r in discover_manifests(landing, settings.aws_data_exports_prefix)}


def _focus_months(landing: Landing, settings: Settings) -> set[date]:
    from finops_assets.defs.azure_focus.discovery import discover_runs

    return {r.billing_month for r in discover_runs(landing, settings.azure_focus_prefix)}


def _gcp_months(landing: Landing, settings: Settings) -> set[date]:
    from finops_assets.defs.gcp_billing.discovery import discover_files

    return {f.invoice_month for f in discover_files(landing, settings.gcp_billing_prefix)}


SOURCES = [
    DemoSource("aws_cur_raw", "aws_cur", "bill_billing_period_start_date", "line_item_unblended_cost", _cur_months),
    DemoSource("aws_data_exports_raw", "aws_data_exports", "bill_billing_period_start_date", "line_item_unblended_cost", _data_exports_months),
    DemoSource("azure_focus_raw", "azure_focus", "billing_period_start", "billed_cost", _focus_months),
    DemoSource("gcp_billing_export", "gcp_billing", "invoice_month", "cost", _gcp_months),
]


def _cur2_rows(rows_per_month: int) -> int:
    """The Data Exports payer is the smaller AWS account of the demo."""
    return max(rows_per_month // 2, 2)


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)


def generate(args: argparse.Namespace) -> int:
    from finops_assets.demo.aws_cur import generate_aws_cur
    from finops_assets.demo.aws_data_exports import generate_aws_data_exports
    from finops_assets.demo.azure_focus import generate_azure_focus
    from finops_assets.demo.dimensions import month_range
    from finops_assets.demo.gcp_billing import generate_gcp_billing
    from finops_assets.demo.otel import generate_otel

    settings = load_settings()
    months = month_range(args.end_month, args.months)
    if months[0] < settings.start_month:
        print(f"error: the demo starts at {months[0]:%Y-%m}, before FINOPS_START_MONTH {settings.start_month:%Y-%m}", file=sys.stderr)
        return 2
    root = Path(settings.landing_url)
    aws = generate_aws_cur(root, months, args.rows_per_month, args.seed, prefix=settings.aws_cur_prefix, restated_months=0)
    cur2 = generate_aws_data_exports(root, months, _cur2_rows(args.rows_per_month), args.seed, prefix=settings.aws_data_exports_prefix)
    azure = generate_azure_focus(root, months, args.rows_per_month, args.seed, prefix=settings.azure_focus_prefix, rerun_months=0)
    gcp = generate_gcp_billing(root, months, args.rows_per_month, args.seed, prefix=settings.gcp_billing_prefix)
    otel = generate_otel(root, months, args.requests_per_hour, args.seed, prefix=settings.otel_prefix, today=date.today())
    span = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
    print(f"wrote {len(aws)} AWS CUR assemblies ({sum(a.row_count for a in aws):,} rows) for {span} into {root}")
    print(f"wrote {len(cur2)} AWS Data Exports (CUR 2.0) executions ({sum(e.row_count for e in cur2):,} rows) for {span} into {root}")
    print(f"wrote {len(azure)} Azure FOCUS runs ({sum(r.row_count for r in azure):,} rows) for {span} into {root}")
    print(f"wrote {len(gcp)} GCP billing export months ({sum(m.row_count for m in gcp):,} rows) for {span} into {root}")
    print(f"wrote OTel spans for {len(otel)} days ({sum(d.server_spans for d in otel):,} requests, "
          f"{sum(d.client_spans for d in otel):,} database calls, {sum(d.files for d in otel)} files) into {root}")
    return 0


def restate(args: argparse.Namespace) -> int:
    from finops_assets.demo.aws_cur import restate_aws_cur
    from finops_assets.demo.aws_data_exports import generate_aws_data_exports
    from finops_assets.demo.azure_focus import rerun_azure_focus
    from finops_assets.demo.gcp_billing import generate_gcp_billing

    settings = load_settings()
    landing = landing_from_url(settings.landing_url)
    root = Path(settings.landing_url)
    aws_months = sorted(_cur_months(landing, settings))[-args.months :]
    cur2_months = sorted(_data_exports_months(landing, settings))[-args.months :]
    azure_months = sorted(_focus_months(landing, settings))[-args.months :]
    gcp_months = sorted(_gcp_months(landing, settings))[-args.months :]
    if not aws_months and not cur2_months and not azure_months and not gcp_months:
        print("nothing to restate: run `make demo-data` first", file=sys.stderr)
        return 1
    # A restatement revises rows and costs with the columns of the version it replaces (a new column would be drift
    # between export versions, which `schema_drift` rightly reports); the demo's new tag arrives where CUR 2.0 puts
    # tags, as a new key of the Data Exports `resource_tags` map.
    for a in restate_aws_cur(root, aws_months, args.rows_per_month, args.seed, prefix=settings.aws_cur_prefix, new_tag=False):
        print(f"restated AWS {a.billing_month:%Y-%m}: new assembly {a.assembly_id} ({a.row_count:,} rows)")
    for e in generate_aws_data_exports(root, cur2_months, _cur2_rows(args.rows_per_month), args.seed,
                                       prefix=settings.aws_data_exports_prefix, version=2):
        print(f"re-exported AWS Data Exports {e.billing_month:%Y-%m}: new execution {e.execution_id} ({e.row_count:,} rows)")
    for r in rerun_azure_focus(root, azure_months, args.rows_per_month, args.seed, prefix=settings.azure_focus_prefix):
        print(f"re-exported Azure {r.billing_month:%Y-%m}: new run {r.run_id} ({r.row_count:,} rows)")
    for m in generate_gcp_billing(root, gcp_months, args.rows_per_month, args.seed, prefix=settings.gcp_billing_prefix, version=2):
        print(f"re-exported GCP invoice month {m.invoice_month:%Y%m}: {m.row_count:,} rows")
    return 0


def materialize(args: argparse.Namespace) -> int:
    import dagster as dg

    from finops_assets.definitions import build_definitions
    from finops_assets.partitions import backfill_order

    settings = load_settings()
    landing = landing_from_url(settings.landing_url)
    work = [(s, backfill_order(s.months(landing, settings))) for s in SOURCES]
    if not any(months for _, months in work) and not _otel_days(landing, settings):
        print(f"no exports under {settings.landing_url}: run `make demo-data` first", file=sys.stderr)
        return 1
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    failed = 0
    with dg.DagsterInstance.get() as instance:
        for source, months in work:
            for month in months:
                result = job.execute_in_process(
                    partition_key=month.isoformat(), instance=instance, asset_selection=[dg.AssetKey(source.asset)],
                    raise_on_error=False,
                )
                if result.success:
                    (event,) = result.get_asset_materialization_events()
                    status = event.materialization.metadata["status"].value
                else:
                    failed += 1
                    status = "FAILED"
                checks = check_summary(result)
                _tally(args, result, defs)
                failed += checks.errors
                print(f"{source.asset} {month:%Y-%m}: {status}; {checks} (run {result.run_id})")
        for day in _otel_days(landing, settings):
            result = job.execute_in_process(
                partition_key=day.isoformat(), instance=instance, asset_selection=[dg.AssetKey("otel_spans_raw")],
                raise_on_error=False,
            )
            _tally(args, result, defs)
            failed += not result.success
            status = "FAILED"
            if result.success:
                metadata = result.get_asset_materialization_events()[0].materialization.metadata
                status = (f"{metadata['status'].value}; {metadata['spans_loaded'].value:,} spans, "
                          f"{metadata['spans_quarantined'].value:,} quarantined")
            checks = check_summary(result)
            failed += checks.errors
            print(f"otel_spans_raw {day}: {status}; {checks} (run {result.run_id})")
    return 1 if failed else 0


@dataclass(frozen=True)
class CheckSummary:
    passed: int
    warnings: list[str]  # WARN checks that failed: they report, never block
    errors: int

    def __str__(self) -> str:
        text = f"{self.passed}/{self.passed + len(self.warnings) + self.errors} checks passed"
        if self.warnings:
            text += f", {len(self.warnings)} warnings ({', '.join(self.warnings)})"
        return text + (f", {self.errors} ERRORS" if self.errors else "")


def check_summary(result) -> CheckSummary:
    """Asset check results of a run (Python checks and dbt tests) by outcome."""
    import dagster as dg

    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [e for e in evaluations if not e.passed]
    return CheckSummary(
        passed=len(evaluations) - len(failed),
        warnings=[e.check_name for e in failed if e.severity == dg.AssetCheckSeverity.WARN],
        errors=sum(1 for e in failed if e.severity != dg.AssetCheckSeverity.WARN),
    )


def _tally(args: argparse.Namespace, result, defs) -> None:
    """Count the run's checks into the demo's tally (`all` keeps one; a single step prints its own lines only)."""
    tally = getattr(args, "check_tally", None)
    if tally is not None:
        tally.add(result, defs)


def _otel_days(landing: Landing, settings: Settings) -> list[date]:
    from finops_assets.defs.otel.discovery import discover_day_folders

    return [folder.day for folder in discover_day_folders(landing, settings.otel_prefix)]


def models(args: argparse.Namespace) -> int:
    """The dbt models over every month that has raw data, in one run: the monthly models as one dbt invocation
    over the month range (as a single-run backfill does), then the dimensions (`dbt build`: tests included)."""
    import dagster as dg

    from finops_assets.definitions import build_definitions
    from finops_assets.defs.dbt.runs import build_models, build_performance_models

    settings = load_settings()
    landing = landing_from_url(settings.landing_url)
    months = sorted({m for s in SOURCES for m in s.months(landing, settings)})
    if not months:
        print(f"no exports under {settings.landing_url}: run `make demo-data` first", file=sys.stderr)
        return 1
    defs = build_definitions(settings)
    days = _otel_days(landing, settings)
    status = 0
    with dg.DagsterInstance.get() as instance:
        runs = [(f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}", build_models(defs, months, instance))]
        if days:
            runs.append((f"performance {days[0]}..{days[-1]}", build_performance_models(defs, days, instance)))
    for label, result in runs:
        _tally(args, result, defs)
        checks = check_summary(result)
        models_built = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
        # WARN checks (anomalies, quarantined spans, request-count jumps) report without failing the demo.
        print(f"dbt build {label}: {len(models_built)} models {'ok' if result.success else 'FAILED'}, {checks} (run {result.run_id})")
        if not result.success or checks.errors:
            status = 1
    return status


def report(args: argparse.Namespace) -> int:
    """`cost_report` through Dagster (recorded in the instance, so the UI shows its summary and charts)."""
    import dagster as dg

    from finops_assets.definitions import build_definitions

    settings = load_settings()
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey("cost_report")], raise_on_error=False)
    if not result.success:
        print(f"cost_report FAILED (run {result.run_id})", file=sys.stderr)
        return 1
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    print(f"cost report: {metadata['report_path'].value} ({metadata['charts'].value} charts, run {result.run_id})")
    return 0


def summary(args: argparse.Namespace) -> int:
    from finops_assets.warehouse.duckdb_warehouse import connect
    from finops_assets.warehouse.identifiers import quote_duckdb as q
    from finops_assets.warehouse.tracking import format_decimal

    settings = load_settings()
    if not Path(settings.duckdb_path).exists():
        print(f"no warehouse at {settings.duckdb_path}: run `make demo`", file=sys.stderr)
        return 1
    con = connect(settings.duckdb_path, read_only=True)
    schema = q(settings.raw_dataset)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [settings.raw_dataset]).fetchall()}
    for source in SOURCES:
        if source.asset not in tables:
            continue
        rows = con.execute(
            f"""WITH loads AS (
                    SELECT billing_month, execution_id,
                           count(DISTINCT execution_id) OVER (PARTITION BY billing_month) AS versions,
                           row_number() OVER (PARTITION BY billing_month ORDER BY loaded_at DESC) AS newest
                    FROM {schema}._load_tracking WHERE source = ?),
                months AS (
                    SELECT date_trunc('month', {q(source.partition_column)})::DATE AS billing_month,
                           count(*) AS row_count, sum({q(source.cost_column)}) AS cost
                    FROM {schema}.{q(source.asset)} GROUP BY ALL)
                SELECT m.billing_month, m.row_count, m.cost, l.execution_id, l.versions
                FROM months m JOIN loads l ON l.billing_month = m.billing_month AND l.newest = 1
                ORDER BY 1""",
            [source.source],
        ).fetchall()
        print(f"\n{settings.raw_dataset}.{source.asset} ({source.cost_column}, exact)")
        print(f"{'month':<8} {'rows':>10} {'cost':>30}  {'execution id':<38} versions loaded")
        for month, count, cost, execution_id, versions in rows:
            print(f"{month:%Y-%m}  {count:>10,} {format_decimal(cost):>30}  {execution_id:<38} {versions}")
        total = sum((r[2] for r in rows if r[2] is not None), start=0)
        print(f"{'total':<8} {sum(r[1] for r in rows):>10,} {format_decimal(total):>30}")
    _marts_summary(con, q(settings.mart_dataset))
    con.close()
    return 0


def _marts_summary(con, marts: str) -> None:
    """The dbt marts per billing month and cloud, when they have been built."""
    built = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                       [marts.strip('"')]).fetchall()}
    from finops_assets.warehouse.tracking import format_decimal

    if "fact_cost_monthly" in built:
        rows = con.execute(f"""
            SELECT billing_month, cloud_provider, billing_currency, sum(total_cost), sum(effective_cost), count(DISTINCT service_key)
            FROM {marts}.fact_cost_monthly GROUP BY ALL ORDER BY 1, 2""").fetchall()
        print(f"\n{marts.strip(chr(34))}.fact_cost_monthly (billed = raw totals; effective = amortised, credits applied)")
        print(f"{'month':<8} {'cloud':<6} {'cur':<4} {'billed':>24} {'effective':>24} services")
        for month, cloud, currency, billed, effective, services in rows:
            print(f"{month:%Y-%m}  {cloud:<6} {currency:<4} {format_decimal(billed):>24} {format_decimal(effective):>24} {services:>8}")
    if "fact_cost_allocation" in built:
        rows = con.execute(f"""
            SELECT cost_pool, allocation_method, count(*), sum(allocated_cost)
            FROM {marts}.fact_cost_allocation GROUP BY ALL ORDER BY 1, 2""").fetchall()
        print(f"\n{marts.strip(chr(34))}.fact_cost_allocation (all months, every currency)")
        for pool, method, count, amount in rows:
            print(f"{pool:<16} {method:<13} {count:>8,} rows {format_decimal(amount):>24}")
    if "fact_performance_metrics_daily" in built:
        rows = con.execute(f"""
            SELECT date, count(DISTINCT service_key), sum(request_count), sum(error_count), max(duration_p95_ms)
            FROM {marts}.fact_performance_metrics_daily GROUP BY ALL ORDER BY 1""").fetchall()
        print(f"\n{marts.strip(chr(34))}.fact_performance_metrics_daily (exact percentiles from the requests)")
        for day, services, requests, errors, p95 in rows:
            print(f"{day}  {services:>2} services {requests:>8,} requests {errors:>6,} errors  max p95 {p95:>9.1f} ms")
    for fact in ("fact_performance_requests", "fact_performance_metrics_hourly"):
        if fact in built:
            count, late = con.execute(f"SELECT count(*), {'count_if(is_late)' if fact.endswith('requests') else '0'} FROM {marts}.{fact}").fetchone()
            print(f"{marts.strip(chr(34))}.{fact}: {count:,} rows" + (f" ({late:,} requests landed a day late)" if late else ""))
    if "fact_performance_cost_joined" in built:
        rows = con.execute(f"""
            SELECT cost_status, coalesce(null_reason, '-'), count(*), sum(request_count), sum(total_cost)
            FROM {marts}.fact_performance_cost_joined GROUP BY ALL ORDER BY 1, 2""").fetchall()
        print(f"{marts.strip(chr(34))}.fact_performance_cost_joined (hour x service x region x environment)")
        for status, reason, count, requests, cost in rows:
            print(f"  {status:<8} {reason:<24} {count:>6,} rows {requests:>8,} requests  cost {format_decimal(cost) or '-'}")
    if "llm_consumption" in built:
        rows = con.execute(f"""
            SELECT cloud_provider, count(DISTINCT model), sum(total_tokens), sum(billed_cost), billing_currency
            FROM {marts}.llm_consumption GROUP BY ALL ORDER BY 1""").fetchall()
        print(f"\n{marts.strip(chr(34))}.llm_consumption")
        for cloud, models, tokens, cost, currency in rows:
            print(f"{cloud:<6} {models:>3} models {tokens:>22,.0f} tokens {format_decimal(cost):>22} {currency}")


def print_checks(args: argparse.Namespace) -> int:
    """Print the tally of every check the demo's runs evaluated; an ERROR check that failed fails the demo."""
    print(args.check_tally.format())
    return 1 if args.check_tally.failed("ERROR") else 0


def demo(args: argparse.Namespace) -> int:
    """The whole `make demo` in one process (importing dbt and Dagster once): generate, load, restate the
    newest month, load again, build the models, print the summary and the checks, write the cost report (its path
    last). The demo fails when an ERROR check failed; a failed WARN check is listed by name."""
    from finops_assets.demo.check_report import CheckTally

    args.check_tally = CheckTally()
    steps = [
        lambda: generate(args),
        lambda: materialize(args),
        lambda: restate(argparse.Namespace(months=1, rows_per_month=args.rows_per_month, seed=args.seed)),
        lambda: materialize(args),
        lambda: models(args),
        lambda: summary(args),
        lambda: print_checks(args),
        lambda: report(args),
    ]
    for step in steps:
        status = step()
        if status:
            return status
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finops_assets.demo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, func, help_text in (
        ("generate", generate, "write demo exports into the landing area"),
        ("all", demo, "generate, load, restate, load again, build the models, summarise, report (make demo)"),
    ):
        gen = commands.add_parser(name, help=help_text)
        gen.add_argument("--months", type=int, default=6)
        gen.add_argument("--rows-per-month", type=int, default=20000)
        gen.add_argument("--seed", type=int, default=7)
        gen.add_argument("--end-month", type=_month, default=date.today().replace(day=1), help="YYYY-MM (default: this month)")
        gen.add_argument("--requests-per-hour", type=int, default=20, help="OTel demo requests per hour and deployment")
        gen.set_defaults(func=func)
    res = commands.add_parser("restate", help="write a newer export version of the newest month(s)")
    res.add_argument("--months", type=int, default=1)
    res.add_argument("--rows-per-month", type=int, default=20000)
    res.add_argument("--seed", type=int, default=7)
    res.set_defaults(func=restate)
    commands.add_parser("materialize", help="load every month that has data through Dagster").set_defaults(func=materialize)
    commands.add_parser("models", help="build the dbt models (and run their tests) in one run").set_defaults(func=models)
    commands.add_parser("report", help="write the HTML cost report and print its path").set_defaults(func=report)
    commands.add_parser("summary", help="print the loaded months").set_defaults(func=summary)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
