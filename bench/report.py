"""bench/RESULTS.md from the results dictionary (the same data as bench/results.json): the measurements table,
the ratios, the targets met or missed, and the machine. Pure: no measuring here."""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30


@dataclass(frozen=True)
class Targets:
    """The issue's targets (they are measured here, never asserted in unit tests)."""

    raw_over_floor: float = 1.25
    speedup_over_dlt: float = 5.0
    raw_plus_marts_s: float = 150.0
    restated_month_s: float = 10.0
    peak_rss_bytes: int = 2 * GIB
    sensor_tick_s: float = 2.0


def _s(value: float) -> str:
    return f"{value:,.2f}"


def _mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}x"


def target_rows(data: dict, targets: Targets) -> list[tuple[str, str, str, bool | None]]:
    """(target, limit, measured, met) per target; met is None when the measurement is missing."""
    def check(value, ok):
        return None if value is None else ok(value)

    over_floor = data["ratio_ours_over_floor"]
    over_tuned = data.get("ratio_ours_over_floor_tuned")
    speedup = data["speedup_over_dlt"]
    return [
        ("raw load / bare DuckDB floor", f"<= {targets.raw_over_floor}x", _x(over_floor),
         check(over_floor, lambda v: v <= targets.raw_over_floor)),
        # Judged honestly against the stricter floor too: our connection settings alone make DuckDB faster.
        ("raw load / DuckDB floor with our connection settings", f"<= {targets.raw_over_floor}x", _x(over_tuned),
         check(over_tuned, lambda v: v <= targets.raw_over_floor)),
        ("raw load speed / dlt (rows per second)", f">= {targets.speedup_over_dlt}x", _x(speedup),
         check(speedup, lambda v: v >= targets.speedup_over_dlt)),
        ("full history raw + cost marts", f"<= {targets.raw_plus_marts_s:.0f} s on 2 cores",
         f"{_s(data['raw_plus_marts_s'])} s on {data['cores']} cores",
         data["raw_plus_marts_s"] <= targets.raw_plus_marts_s),
        ("one restated month, end to end", f"<= {targets.restated_month_s:.0f} s", f"{_s(data['restated_month_s'])} s",
         data["restated_month_s"] <= targets.restated_month_s),
        ("peak memory of the raw load (process tree RSS, best executor)", f"< {targets.peak_rss_bytes / GIB:.0f} GiB",
         _mib(data["peak_rss_bytes"]),
         data["peak_rss_bytes"] < targets.peak_rss_bytes),
        (f"sensor tick over {data['sensor_objects']:,} objects", f"<= {targets.sensor_tick_s:.0f} s",
         f"{_s(data['sensor_tick_10k_s'])} s", data["sensor_tick_10k_s"] <= targets.sensor_tick_s),
    ]


def render_markdown(data: dict, targets: Targets) -> str:
    steps = data["steps"]
    scale = (f"{data['rows']:,} AWS CUR v1 rows over {data['months']} months ({data['rows_per_month']:,} rows a month, "
             f"{data['parts_per_month']} CSV.gz parts a month, {data['data_bytes'] / 2**20:,.0f} MiB compressed)")
    lines = [
        "# Benchmark results",
        "",
        f"Measured {data['measured_at']} by `make bench` on {data['cores']} cores and "
        f"{data['memory_bytes'] / GIB:,.1f} GiB of memory (load average {data['load_average_at_end']:.1f} at the end).",
        f"Scale: **{data['scale']}**: {scale}. Median of {data['repeats']} run(s) each; the dbt build runs once.",
    ]
    if max(data["load_average_at_start"], data["load_average_at_end"]) > data["cores"] / 2:
        lines += ["", f"**The machine was busy (load average {data['load_average_at_start']:.1f} at the start, "
                      f"{data['load_average_at_end']:.1f} at the end, on {data['cores']} cores): wall times are "
                      "inflated and their ratios unreliable.**"]
    if data["scale"] != "full":
        lines += ["", "**Reduced scale: these figures validate the harness; they are not the issue's measurement "
                      "(39 months, 10,000,000 rows).**"]
    rows = [
        ("Raw full history, in-process executor (one single-run backfill, raw checks included)", "raw_inprocess",
         f"{data['raw_in_process_s'] / data['months']:.2f} s per month; checks {data['raw_in_process_checks_s']:.2f} s"),
        ("Raw full history, multiprocess executor (`dagster asset materialize --partition-range`, one run)",
         "raw_multiprocess", f"{data['raw_multiprocess_s'] / data['months']:.2f} s per month"),
        ("Floor: bare DuckDB `INSERT ... SELECT * FROM read_csv(...)`, same types", "floor_duckdb", ""),
        ("Floor with our load settings: the same INSERT after `SET preserve_insertion_order = false` and the memory "
         "limit", "floor_duckdb_tuned", ""),
        ("Decompression floor: `gzip -dc` of the same files", "gzip_floor", ""),
        (f"Peer: dlt filesystem source, `read_csv_duckdb` (one month, {data['dlt_rows']:,} rows)", "dlt",
         f"{data['dlt_rows_per_s']:,.0f} rows/s"),
        ("dbt build of the cost marts over every month (one run)", "marts", ""),
        ("One restated month replacing its predecessor: raw + its marts", "restated_month",
         f"raw {data['restated_month_raw_s']:.2f} s, {data['restated_month_rows']:,} rows"),
        (f"Sensor tick listing {data['sensor_objects']:,} landing objects", "sensor_tick", ""),
    ]
    lines += ["", "| measurement | timed s | process s | peak RSS | notes |", "|---|---:|---:|---:|---|"]
    for label, key, note in rows:
        if key not in steps:  # results of an older harness
            continue
        step = steps[key]
        lines.append(f"| {label} | {_s(step['seconds'])} | {_s(step['process_wall_s'])} | "
                     f"{_mib(step['peak_rss_bytes'])} | {note} |")
    lines += [
        "",
        "`timed s` is the step's own timed section (Dagster definitions, instance and runs included; interpreter "
        "start-up and imports excluded); `process s` is the whole child process. Peak RSS sums the child's process "
        "tree (executor step processes, dbt) sampled every 100 ms.",
        "",
        "## Ratios",
        "",
        f"- Ours (best executor: {data['raw_best_executor'].replace('_', '-')}) / bare DuckDB floor: "
        f"**{_x(data['ratio_ours_over_floor'])}** ({_s(data['raw_full_history_s'])} s vs "
        f"{_s(data['floor_duckdb_s'])} s); ours / gzip floor: {_x(data['ratio_ours_over_gzip'])}.",
        *([f"- Ours / DuckDB floor with our connection settings (the stricter floor, which the 1.25x target is judged "
           f"against too): **{_x(data['ratio_ours_over_floor_tuned'])}** ({_s(data['raw_full_history_s'])} s vs "
           f"{_s(data['floor_duckdb_tuned_s'])} s)."] if "floor_duckdb_tuned_s" in data else []),
        f"- Ours / dlt, as rows per second: **{_x(data['speedup_over_dlt'])}** faster "
        f"({data['ours_rows_per_s']:,.0f} vs {data['dlt_rows_per_s']:,.0f} rows/s).",
        f"- Time per month (raw, best executor): {_s(data['raw_per_month_s'])} s.",
        f"- Where the in-process raw load's time goes: {_s(data['raw_in_process_warehouse_s'])} s inside the "
        f"warehouse loads (DuckDB: delete, insert from the files, row count check, tracking, preview), "
        f"{_s(data['raw_in_process_checks_s'])} s in the raw checks' step (every month of the range), "
        f"{_s(data['raw_in_process_s'] - data['raw_in_process_warehouse_s'] - data['raw_in_process_checks_s'])} s in "
        "Dagster around them (definitions, the run and its event records, manifest discovery and header checks).",
        f"- Generator: {data['generator_rows_per_s']:,.0f} rows/s ({_s(data['generate_s'])} s for the history, "
        f"{data['generator_rows_per_cpu_s']:,.0f} rows per CPU-second).",
        "",
        "## Targets",
        "",
        "| target | limit | measured | met |",
        "|---|---|---|---|",
    ]
    for name, limit, measured, met in target_rows(data, targets):
        lines.append(f"| {name} | {limit} | {measured} | {'n/a' if met is None else 'yes' if met else '**no**'} |")
    lines += ["", "## Fixed costs in these figures", "", *NOTES]
    return "\n".join(lines) + "\n"


# What every run pays whatever the scale (read from the runs' logs under bench/.cache/logs/ and py-spy profiles of the
# workloads at 4 months x 250,000 rows).
NOTES = [
    "- The raw history is one run (a single-run backfill): Dagster's fixed cost (definitions, the run and its event "
    "records) is paid once, not per month. Per month remain: describing it (listing the month-level manifests, "
    "reading the manifest, checking each part's CSV header: ~0.25 s), its tracking row, its count and cost, "
    "preview and materialization. The raw checks run once over the range (grouped screening queries, then only "
    "the months they flag); their time grows with the rows (the duplicate-key screen groups every line item).",
    "- The warehouse load uses one DuckDB connection for the run (one checkpoint, when it closes) and loads months "
    "that share a statement (same columns, types and CSV dialect; up to 12 months or 1 GiB of files) in one "
    "transaction: DELETE of their months, ONE INSERT ... SELECT from read_csv of all their files, each row checked "
    "against its own file's month inline (read_csv's `filename` joined to the file's month bounds, `error()` "
    "otherwise), then each month's count and cost in one grouped query and its tracking row. Per-month statements "
    "cost ~1.5x the one-statement floor on bare DuckDB (fewer files read in parallel, a tail per statement, a "
    "commit each, a checkpoint per reconnect). Loads run with `preserve_insertion_order = false` (a raw table's "
    "row order is meaningless) and a memory limit (FINOPS_DUCKDB_MEMORY_LIMIT, 1GB): faster and bounded; the tuned "
    "floor row is the same INSERT with those settings, so the comparison is like for like.",
    "- Where the grouped load's time goes (8 months x 256,410 rows, 4 parts a month, on a machine at load 3-6): "
    "py-spy of the in-process run puts ~95% of the main thread in the group's INSERT and ~0.1 s in everything else "
    "the warehouse does per month (tracking rows, previous loads, preview); the connection's close (final "
    "checkpoint) does not show. EXPLAIN ANALYZE of that INSERT (4 months): READ_CSV (gzip, parsing, casts) 15.6 s of "
    "18.0 s, the per-row month check (filename hash join + CASE/error()) 0.12 s, the rest the insert itself. So "
    "the load runs at the DuckDB floor; the remainder of the run is Dagster (definitions, the run, the months' "
    "manifests and header checks) and the raw checks.",
    "- Every Python process that imports the definitions (the `dagster` CLI, each step process of the multiprocess "
    "executor, the dbt CLI for its own packages) pays ~7 s of CPU for imports (Dagster, dagster-dbt, the Google "
    "and AWS clients), twice that when the bytecode is not compiled (PYTHONDONTWRITEBYTECODE is set on this "
    "machine: `make install` now compiles it at install time). The multiprocess executor starts three such "
    "processes (the CLI, the load step, the checks step).",
    "- Each dbt invocation starts the dbt CLI (imports, project and profile), parses the project and, on exit, "
    "closes its DuckDB connection (a checkpoint of what it wrote). dagster-dbt gives every invocation a fresh target "
    "folder seeded with the project's parse cache; that cache was written by `make install` with another profile "
    "(the warehouse path) and no vars, so dbt re-parsed the whole project every time (`Unable to do partial parsing "
    "because config vars, config profile, or config target have changed`). The assets now write each invocation's "
    "cache back: an invocation with the same profile and vars (the dimensions of every run, a month reloaded again) "
    "skips the parse; a new month range still changes the vars and parses once. dagster-dbt also runs "
    "`dbt --version` in its own Python process once per run.",
    "- The restated month is one run: raw load and its checks, then two dbt invocations (the monthly models for the "
    "month, then the dimensions, which are unpartitioned assets of their own). From the dbt logs of the full-scale "
    "run (2026-12-02): the monthly invocation is 18 s inside dbt (5 s from its start to the parsed project, 13 s of "
    "models and tests for one month on 2 threads), the dimensions 8 s (5 s start-up, 4 s of models and tests); "
    "the raw load with its checks ~6 s. The remaining ~24 s are Dagster and dagster-dbt around the two dbt "
    "processes: `dbt --version` in its own process, ~110 dbt events turned into materializations and check "
    "evaluations stored in the instance (sqlite), and ~10 s between the end of the monthly invocation and the "
    "start of the dimensions'. Reaching 10 s needs one dbt invocation per run and no CLI start-up (dbt's "
    "programmatic runner in a warm process), which dagster-dbt does not offer today.",
    "- The cost marts (one run over 39 months): dbt-duckdb runs with `preserve_insertion_order = false` and its own "
    "memory limit, FINOPS_DBT_MEMORY_LIMIT (default 3GB; the raw loads keep FINOPS_DUCKDB_MEMORY_LIMIT, 1GB): at "
    "1GB the 39-month rollups spill (fact_cost_daily's query alone, 39 months, run side by side on a loaded "
    "machine: 128 s at 1GB, 105 s at 3GB, peak RSS 1.0 vs 2.9 GiB), and the demo's otel span tests ran out of "
    "memory at 1GB. `int_cost_focus` computes CUR v1's tag columns at compile time, the dimensions read "
    "`int_cost_keys`. The weekly and monthly rollups read fact_cost_daily (the same sums; hours_with_cost the sum "
    "of the daily counts) instead of fact_cost_hourly: 8.7M rows to group instead of 9.8M. Per model at full scale "
    "(idle machine, before these two changes): fact_cost_hourly 92 s (each line spread over its hours with exact "
    "integer money splits; EXPLAIN ANALYZE: ~90% of it is the final hash aggregate over ten group keys, four of "
    "them md5 strings, and twelve DECIMAL(38,18) sums), fact_cost_monthly 58 s, int_cost_keys 53 s, "
    "fact_cost_daily 46 s, fact_cost_weekly 36 s, int_cost_focus 34 s, tests ~25 s. The rollups are slow because "
    "the generated data gives nearly every line its own resource: 9.8M hourly rows roll up to 8.7M daily and 5.9M "
    "monthly rows. Tried and dropped (measured, no gain): int_cost_keyed as a table (writing it costs ~4x the md5 "
    "keys it saves its two readers) and a no-unnest path for lines of one hour in fact_cost_hourly.",
]
