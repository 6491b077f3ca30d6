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
        ("One restated month replacing its predecessor: raw + the cost models downstream of it", "restated_month",
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
    where = [*breakdown_lines("One restated month, end to end (its median run)", data.get("restated_month_breakdown")),
             *breakdown_lines("The dbt build of the cost marts over every month", data.get("marts_breakdown"))]
    if where:
        lines += ["", "## Where the time goes", "",
                  "Measured in this bench from each run's own records (bench/breakdown.py): the Dagster run's events "
                  "(the run's and each step's start and end) and the dbt invocation's JSON log (its first line, each "
                  "node's start and end), on one wall clock. Models and tests run on dbt's two threads, so their "
                  "thread-seconds exceed the nodes' wall time.", *where]
    lines += ["", "## Fixed costs in these figures", "", *NOTES]
    return "\n".join(lines) + "\n"


DBT_PHASES = (
    ("start_s", "dbt's start: the handover to the run's warm dbt process, or a new dbt process's start and Python "
                "imports (the step's start -> dbt's first log line)"),
    ("setup_s", "dbt setup: project, profile, cached parse, first connection (-> the first node starts)"),
    ("nodes_s", "dbt nodes: {model_count} models ({models_thread_s:.2f} thread-s), {tests} tests ({tests_thread_s:.2f} "
                "thread-s)"),
    ("exit_s", "dbt exit: summary, DuckDB's close (its checkpoint), the step's last Dagster events"),
)


def breakdown_lines(title: str, breakdown: dict | None) -> list[str]:
    """A run's phases as a table (bench/breakdown.py), its slowest models below it."""
    if not breakdown:
        return []
    total = (breakdown["before_run_s"] + sum(breakdown["steps"].values()) + breakdown["between_steps_s"]
             + breakdown["after_run_s"])
    rows = [(f"before the run starts: instance, definitions, the run's creation and its {breakdown['planned_events']:,} "
             "planned events (stored as one batch: one transaction per SQLite file)", breakdown["before_run_s"])]
    for step, seconds in breakdown["steps"].items():
        dbt = breakdown["dbt"].get(step)
        if dbt is None:
            rows.append((f"step `{step}`", seconds))
            continue
        for key, label in DBT_PHASES:
            rows.append((f"step `{step}`: " + label.format(model_count=len(dbt["models"]), **dbt), dbt[key]))
    rows.append((f"Dagster between, around and after the steps ({breakdown['events']:,} event records in the run)",
                 breakdown["between_steps_s"] + breakdown["after_run_s"]))
    lines = ["", f"### {title}: {_s(total)} s", "", "| phase | s | share |", "|---|---:|---:|"]
    lines += [f"| {label} | {_s(seconds)} | {seconds / total:.0%} |" for label, seconds in rows]
    for step, dbt in breakdown["dbt"].items():
        slowest = list(dbt["models"].items())[:8]
        if slowest:
            lines += ["", f"Slowest models of `{step}` (node wall time): "
                      + ", ".join(f"{name} {_s(seconds)} s" for name, seconds in slowest) + "."]
    return lines


# What every run pays whatever the scale (read from the runs' logs under bench/.cache/logs/ and py-spy profiles of the
# workloads at 4 months x 250,000 rows).
NOTES = [
    "- The raw history is one run (a single-run backfill): Dagster's fixed cost (definitions, the run and its event "
    "records) is paid once, not per month. Per month remain: describing it (listing the month-level manifests, "
    "reading the manifest, checking each part's CSV header), its tracking row, its count and cost, "
    "preview and materialization. The header check read and inflated the first MiB of every part (~35 ms a file "
    "on a busy machine, 156 parts at full scale); it now reads 64 KiB and inflates only up to the header's end "
    "(~1 ms), reading up to 1 MiB only for a longer header row. The raw checks run once over the range (grouped "
    "screening queries, then only the months they flag); their time grows with the rows: the duplicate-key screen "
    "groups every line item, now by a 64-bit hash of the key (a collision only sends a month to its exact check), "
    "1.40 -> 0.77 s CPU on 12 months x 256,410 rows. At full scale (10M line items, the checks' 1GB limit) the "
    "string-keyed screen does not fit in memory and spills to `<warehouse>.tmp` (with no temp space allowed it fails "
    "with Out of Memory); the hashed one fits: 6.6/5.4 -> 2.5/3.3 s CPU, 25-28 -> 11-13 s wall on a machine at load "
    "16-18 (the spill's disk I/O on a shared disk is one source of the raw run's variance).",
    "- The warehouse load uses one DuckDB connection for the run (one checkpoint, when it closes) and loads months "
    "that share a statement (same columns, types and CSV dialect; up to 48 months or 2 GiB of files) in one "
    "transaction: DELETE of their months, ONE INSERT ... SELECT from read_csv of all their files, each row checked "
    "against its own file's month inline (read_csv's `file_index`, the file's position in the list, joined to the "
    "file's month bounds, `error()` "
    "otherwise), then each month's count and cost in one grouped query and its tracking row. Per-month statements "
    "cost ~1.5x the one-statement floor on bare DuckDB (fewer files read in parallel, a tail per statement, a "
    "commit each, a checkpoint per reconnect). Loads run with `preserve_insertion_order = false` (a raw table's "
    "row order is meaningless) and a memory limit (FINOPS_DUCKDB_MEMORY_LIMIT, 1GB): faster and bounded; the tuned "
    "floor row is the same INSERT with those settings, so the comparison is like for like.",
    "- Group size (2026-12-02, machine shared with two other benchmarks, load 8-16): the grouped INSERT alone costs "
    "what the floor's statement costs (same CPU within noise at 4 months). Over the 39 months on bare DuckDB, four "
    "12-month statements vs one: CPU 138/132 s vs 113/129 s, wall 241/357 s vs 222/360 s, so the bounds are now 48 "
    "months / 2 GiB and the full history is one statement, as in the floor. A failed group is read once more, "
    "month by month, so a bad file in the history costs at most one extra read of it.",
    "- Full scale after these changes, back to back at load 15-17 (timed seconds; absolute figures mean little on "
    "a machine that busy): tuned floor 375.2 s, ours 358.7 s (0.96x; checks 7.4 s, warehouse 331.8 s), tuned floor "
    "280.7 s, main's code before them 276.9 s (0.99x; checks 15.3 s). Process CPU: ours 145.5 s vs 161.5 s "
    "before (floors 130.4 / 143.7 s); the checks step 7.4 vs 15.3 s; peak RSS 1,185 MiB (as the floor) vs 1,400 "
    "MiB before. Variance: the last full bench spread the tuned floor over 59.7-68.6 s and ours over 71.5-94.6 s; "
    "here the same floor statement ran 375 then 281 s back to back, so contention alone moves a run by a third. "
    "What of ours could add to it: the duplicate screen's spill to disk (gone) and three more statement tails and "
    "commits (gone); which one made the 94.6 s run is not established.",
    "- Where the grouped load's time goes (8 months x 256,410 rows, 4 parts a month, on a machine at load 3-6): "
    "py-spy of the in-process run puts ~95% of the main thread in the group's INSERT and ~0.1 s in everything else "
    "the warehouse does per month (tracking rows, previous loads, preview); the connection's close (final "
    "checkpoint) does not show. EXPLAIN ANALYZE of that INSERT (4 months): READ_CSV (gzip, parsing, casts) 15.6 s of "
    "18.0 s, the per-row month check (filename hash join + CASE/error()) 0.12 s, the rest the insert itself. So "
    "the load runs at the DuckDB floor; the remainder of the run is Dagster (definitions, the run, the months' "
    "manifests and header checks) and the raw checks.",
    "- The tuned-floor gap at full scale (bench of 2026-12-02 14:31, nothing else running: ours 63.1 s against the "
    "tuned floor's 47.2 s, 1.34x; the runs 54.0/63.3/63.1 s against 43.8/47.2/51.2 s): the raw checks 2.2 s, "
    "Dagster 4.2 s, the warehouse part 56.7 s. The grouped statement alone, on bare DuckDB with the same settings "
    "right after that bench (one run each, 39 months): 52.1 s with the per-row month check (read_csv's filename "
    "joined to the files' months, CASE/error()) against 49.7 s for the floor's plain INSERT (+5%); at 8 months, A/B "
    "twice, 12.0/10.6 s against 12.8/10.9 s. The rest of the warehouse part is profiled in the next paragraph. "
    "Both spread by 7-10 s from run to run, so the ratio of the medians moves by about 0.1 between benches (1.28x "
    "in the previous bench with four statements, 1.34x in this one with one).",
    "- The rest of the warehouse part, profiled at full scale (2026-12-02 15:38, every DuckDB statement of an "
    "in-process run timed, machine shared with two dbt builds, load 4-8, so every figure is ~3-4x an idle run's): "
    "the group's INSERT 189.8 s wall / 128.1 s CPU (all threads) of the warehouse part's 191.2 s; the other 1.4 s: "
    "the months' count and cost in one grouped query 0.41 s, 78 previous-load lookups 0.30 s, the COMMIT 0.24 s, 39 "
    "tracking rows 0.19 s, 39 previews 0.19 s, the 39 DELETEs on the empty table 0.03 s in all; then the "
    "connection's close (final checkpoint) ~0.3 s. So the ~4-5 s once assumed were not the warehouse's: the INSERT "
    "is 99% of it. The raw checks' duplicate screen 4.9 s (3.1 s CPU), their other screens 0.5 s. py-spy of a "
    "6-month in-process run (load ~8) outside the INSERT: Dagster's sqlite event log 5.5 s (55 events, one commit "
    "each; the months' descriptions were one log event each, now one for the run: 38 fewer commits at 39 months), "
    "the run's creation 4.0 s, DagsterInstance.get 3.6 s and the definitions 3.2 s (the dbt manifest's JSON 1.1 s) "
    "- all inside the timed section, none of it in the floor's. The floor is timed like for like: its section runs "
    "from connecting to its close (the checkpoint), as ours includes its load connection's close; neither pays a "
    "checkpoint the other does not (ours commits once; the floor's INSERT autocommits).",
    "- Floor against ours at full scale, alternated (load 4-9; wall is mostly contention, so CPU, user + sys of the "
    "whole process with its ~7 s of imports, is the steadier figure): tuned floor 247.2 s wall / 135.6 s CPU, ours "
    "200.5 / 146.0, tuned floor 192.8 / 126.8, ours 218.3 / 133.8 (this branch before the file_index change), then "
    "main's code 360.5 / 140.7: ours/floor 0.81x and 1.13x in wall, 1.08x and 1.06x in CPU. The INSERT alone "
    "took 128.1 s of CPU in process, the floor's whole process 127-136 s. Bare statements, 6 months, same "
    "settings, alternated: the floor's 19.8/19.2 s CPU, ours (with the per-row month check) "
    "18.6/19.6/20.5/17.1/18.6/17.0, ours without the check 20.5/17.0: the check does not show above the noise. "
    "So at equal CPU what separates ours from the tuned floor is Dagster (instance, definitions, the run and its "
    "~150 event records at 39 months) and the raw checks (~2 s idle), i.e. ~6 s of the 63 s, plus run-to-run "
    "spread. In the idle bench the warehouse part took 56.7 s (its INSERT ~55 s) against the floor's 47.2 s; with "
    "the same CPU for both statements here, that wall-time gap is not reproduced on this shared machine and its "
    "cause is not established (the bench records no CPU for it; results.json now keeps each run's process CPU).",
    "- The per-row month check now joins on read_csv's `file_index` (an integer) instead of `filename` (a path "
    "string per row, hashed and compared): the join operator's time, EXPLAIN ANALYZE profiles of 3 months at load "
    "~9, 0.30 -> 0.18 s of ~60 s; about 0.5% of the statement, below what a shared machine can show in wall or CPU "
    "(6 months alternated, user + sys: filename 18.6/19.6/20.5/17.1/18.6/17.0 s, file_index "
    "17.0/17.7/17.8/18.4/16.4/18.2 s).",
    "- Multiprocess executor: three Python processes (the CLI, the load step, the checks step) each import the "
    "definitions. The landing resource imported dagster-aws (its components pull Dagster's test utilities and "
    "mashumaro's JSON schema) in every process, a local landing folder needing none of it; it is now imported when "
    "an s3:// landing is used. Import of finops_assets.definitions, main vs this, alternated 3x at load 6-9: 8.98/"
    "8.70/6.88 s vs 7.45/6.78/5.68 s CPU (-1.2 to -1.9 s a process). dagster-gcp, google-cloud-bigquery and pandas "
    "stay: the resources module and the BigQuery resource subclass dagster-gcp's resource at import time. One "
    "full-scale multiprocess run each, back to back at load 9-19 with the test suite running beside them: this "
    "branch 492 s timed / 158 s CPU, main 544 s / 183 s CPU; far too contended to credit the imports with the "
    "difference.",
    "- The bench of 2026-12-03 14:45-15:03 (main ef00f43 on a fresh clone; load average 1.6-2.3, nothing else "
    "running). New since 13:02: dbt started ahead of time (the dbt resource starts a warm dbt process at the run's "
    "resource setup, while the raw load runs; `finops-dbt` hands the run's first dbt invocation to it: "
    "finops_assets/dbt_warm.py), the warm process's exit without the interpreter's teardown (dbt's exit handlers "
    "still run: dbt.log flushed, the DuckDB warehouse closed and checkpointed), and the event log's engines kept per "
    "SQLite file. The restated month 11.92/9.50/9.14 s (the first run parses the whole dbt project: this clone never "
    "built that month window; the untimed restores 9.19/9.10 s). Its median run against the 12:16 bench's (11.40 s, "
    "the last one not in a slow phase): dbt's start 1.41 -> 0.14 s, its exit 0.81 -> 0.20 s, the raw step 1.62 -> "
    "2.03 s (the warm process imports dbt, ~1.3 s of CPU, beside the raw load on the two cores), before the run "
    "0.94 -> 0.80 s. Alternated on one 39-month warehouse before this bench (3 runs each, machine in a slow phase): "
    "the engine kept per file 10.40/10.04/10.37 s against 12.78 (a full parse)/10.65/10.65 s. Raw + marts 47.54 + "
    "95.45 = 142.99 s; dlt 7.95 s for its month (6.52x).",
    "- The bench of 2026-12-03 12:41-13:02 (main f403d8c on a fresh clone: the 12:16 bench's code with the "
    "dimensions built after fact_cost_daily; load average 1.1-2.3, nothing else running). Raw in-process 55.53/51.18/"
    "52.21 s against the tuned floor's 53.73/46.09/45.00 s a minute before each (CPU 110/101/103 s against "
    "109/94/92 s); raw + marts 52.21 + 93.70 = 145.91 s. The restated month 19.25/15.75/14.67 s (the untimed restores "
    "14.35/13.81 s): every phase of its median run is 20-60% above the 12:16 bench's (dbt's start 2.31 against "
    "1.41 s, its node thread-seconds 12.74 against 8.92), and so is dlt, which runs none of this project's code "
    "(10.77 against 8.51 s for its month): the machine slowed in the bench's last five minutes, so this bench's "
    "8.05x over dlt overstates it (5.73x in the 12:16 bench, 5.62x at 08:16). The first month run "
    "also parses the whole dbt project (this clone never built that month window before). The dimensions' new "
    "order, alternated on one 39-month warehouse just before (12:25, the machine in a slow phase), 3 runs each: "
    "month 14.50/15.56/14.99 s with the dimensions after fact_cost_hourly against 14.09/13.09/14.85 s after "
    "fact_cost_daily; dbt's nodes 6.79/7.07/7.65 against 6.33/5.70/6.67 s; process CPU 25.9/28.0/26.6 against "
    "25.2/24.6/25.9 s.",
    "- The bench of 2026-12-03 11:54-12:16 (main 3097e62 on a fresh clone: the 08:16 bench's code, the automation "
    "fixes since (models' SQL unchanged; dim_endpoint now declares fact_cost_hourly upstream, so the restated month "
    "builds 16 models and 42 tests instead of 15 and 40) and the batched event records of the next paragraph; load "
    "average 1.2-2.3, nothing else running). The machine sped up during it: raw in-process 72.10/49.73/57.88 s (CPU "
    "139/98/114 s), the tuned floor a minute before each 57.12/44.33/41.75 s (CPU 114/90/86 s): ours/floor 1.26/1.12/"
    "1.39 in wall and 1.22/1.09/1.33 in CPU, repeat by repeat, against 0.91x of the medians in the 08:16 bench with "
    "the same load path. The marts 102.66 -> 93.31 s, of which the 947 planned events and the rest before the run "
    "starts 10.81 -> 1.64 s; raw + marts 151.20 s (the median raw repeat; the three span 49.73-72.10 s). The restated "
    "month's timed runs 12.78/10.00/11.40 s, the untimed restores between them (the same work: the original assembly "
    "back) 9.75/10.60 s; before the run starts 1.54 -> 0.94 s. Multiprocess raw 90.66 -> 70.43 s (its step "
    "processes batch their 39 materializations too; the faster machine as well).",
    "- Dagster's event records in batches (2026-12-03, after the 08:16 bench). Dagster stores each event through a "
    "new SQLAlchemy engine and SQLite connection, committed and closed on its own, and hands a batch (a run's planned "
    "events; the materializations of an output covering many months) to `store_event_batch` only when "
    "DAGSTER_EVENT_BATCH_SIZE is set, which its SQLite storage then stores one event at a time. The local instance "
    "now uses Dagster's SQLite storage with a `store_event_batch` that writes the batch in one transaction per file "
    "(the run's shard, the index): finops_assets/instance_storage.py, in dagster.yaml, the bench's homes and the "
    "tests' demo homes; it sets DAGSTER_EVENT_BATCH_SIZE=1000 unless the environment sets it. Measured apart (nothing "
    "else running): 900 planned events 7.30/6.48/10.81 s one by one (CPU 5.8/5.2/8.4 s) against "
    "0.87/0.95 s batched; a 39-month single-run backfill of 15 assets with a check each and one unpartitioned asset "
    "(1,272 records) 13.12/10.86 s against 2.26/3.19 s. The records are the same: finops_assets_tests/"
    "test_instance_storage.py compares every event of a 12-month run and the index's queries (materialized "
    "partitions, latest materializations, planned events, check executions) with Dagster's storage (291 against 145 "
    "SQLite connections). So the per-event cost was the connection (cProfile of 200 single events, the test suite running beside it: commit 0.8 ms, "
    "close and its WAL checkpoint 0.5 ms, statements 0.5 ms, create_engine 0.3 ms per connection, two connections "
    "for an asset event), not compiling the INSERT, which the batched path still does per event. Left as it is: a "
    "one-month run stores its ~150 step events one by one (~9 ms each in the Dagster process, beside dbt); caching "
    "each file's engine cut a third to a half of that CPU in a micro-benchmark (300 events, 2.6-2.8 -> 1.3-1.9 s), "
    "not tried in a run, not kept (it departs further from Dagster's storage for ~0.7 ms an event). The deployment's "
    "Postgres storage has no batched write either (Dagster+ batches in its own storage).",
    "- Dagster's records and the models' writes (2026-12-03, after the 07:53 bench; CPU probe 0.26-0.41 s, so the "
    "machine was in its slow phase). The marts run writes 947 records before it starts: 897 planned materializations "
    "(23 assets x 39 months) and 50 planned checks. Dagster 1.13.27 stores the run's month range on the run and "
    "`get_resolved_partitions_subset_for_events` returns it for every asset of the run, partitioned or not, so the 8 "
    "unpartitioned ones (dimensions, seed) get a planned event per month too: 312 of the 897, while they materialize "
    "once each (593 materializations = 15 x 39 + 8). py-spy of that run's creation: ~60% SQLAlchemy compiling each "
    "INSERT in Python, ~37% in SQLite's execute, commit and close (one connection per record). The deployment's "
    "Postgres storage is not cheaper: creating the same run on a local PostgreSQL 15 with deploy/dagster.yaml's "
    "storage took 16.5 / 25.4 s against 11.2 / 11.7 s on SQLite, alternated (a new connection per record there too). "
    "The models' writes: DuckDB's persisting of a model's rows is a third of a rollup's statement. fact_cost_daily's "
    "4-month batch (0.89M rows), aggregated into a temporary table 0.92-0.97 s wall (1.76-1.87 s CPU), into the "
    "warehouse 1.45-1.54 s (2.71-2.89 s CPU); the same aggregate without its 12 DECIMAL(38,18) sums 0.31 s: the "
    "sums are two thirds of the aggregate. Copying those rows into a table: 0.24-0.30 s temporary, 0.79-0.87 s "
    "persistent (1.45-1.55 s CPU), a third each for the 12 measures, the 4 md5 keys and the other 10 columns; "
    "without dictionary and FSST compression 1.37-1.39 s CPU (-8%, bigger files: not kept). int_cost_focus at 1M "
    "rows: 2.15 s persistent against 0.99 s temporary, its 27 text columns 3.0 of its 4.05 s CPU. In the restated "
    "month's dbt log, the 15 models and 40 tests are 9.51 node-seconds on dbt's two threads, 6.09 s of it in SQL; "
    "each model spends 0.08-0.27 s outside its statements (dbt's Python, its catalog queries, BEGIN/COMMIT). dbt "
    "with 3 threads instead of 2, the restated month alternated on one warehouse, 4 runs each: 20.75/18.90/19.21/20.35 "
    "s against 23.36/22.46/16.02/16.79 s (CPU 31.8-32.9 s against 28.6-34.1 s): no gain, not kept.",
    "- The bench of 2026-12-03 07:53-08:16 (main 3625280, the same code as the 07:02 bench; load average 1.0-2.7, "
    "nothing else running; CPU probe 0.22-0.26 s when it started, 0.32-0.45 s in the half hour before): the machine "
    "was slow in its first half and faster at its end, the reverse of the 07:02 bench. Raw in-process 70.86/58.76/"
    "56.38 s (CPU 135/115/111 s) against the tuned floor's 77.87/53.69/64.83 s and the bare floor's 75.98/70.41/"
    "78.73 s: 0.91x and 0.77x; the multiprocess executor 100.6/90.7/83.2 s. The marts 102.66 s (CPU 183 s; 87.0 s "
    "of dbt's nodes: fact_cost_hourly 24.3 s, int_cost_focus 22.5 s, weekly 21.4 s beside monthly 18.7 s, daily "
    "11.3 s, int_cost_keys 10.0 s; 10.8 s of planned events before the run starts; dbt's setup 1.1 s with the "
    "39-month parse cache of the previous bench, 5.3 s without it in the 07:02 bench), raw + marts 161.4 s. The "
    "restated month 13.72/13.50/13.32 s (CPU 23.9/24.3/22.8 s). dlt ran at the end, in the faster phase: 30,261 "
    "rows/s against 22,434 in the 07:02 bench, so the ratio fell to 5.62x (8.66x) while our raw load ran in the slow "
    "phase. Between the two benches of this session the same code moved by 18% (marts), 19% (month) and 14% (raw).",
    "- The bench of 2026-12-03 07:02-07:22 (main 458463a: the code of the previous bench plus the measured breakdown "
    "above, the pruning of old dbt invocation folders and BigQuery's static month partitions, neither of which the "
    "DuckDB runs touch; load average 1.3-2.4, nothing else running). The machine slowed down during it: the CPU probe "
    "of the notes below took 0.23 s before it and 0.47 s right after it, the third raw run took 75.8 s (145 s CPU) "
    "against 51.4/50.1 s (102/99 s CPU), so the marts (126.1 s, CPU 219 s) and the restated month (runs 18.19/12.82/"
    "16.56 s, CPU 29.1/23.6/28.7 s) ran in the slow phase. Raw in-process 51.44 s: 0.84x the bare floor (61.07 s), "
    "0.99x the tuned floor (52.19 s); dlt 22,434 rows/s (8.66x). The same month run, same code, in a fast phase of "
    "the hour before (probe 0.21 s): 10.75 and 11.03 s (process CPU 19.4-19.7 s). Its breakdown then (this "
    "bench's breakdown code, one run): before the run 1.45 s (instance ~0.6-0.9 s on its first use in a process, 63 "
    "planned events at ~10-20 ms each on this instance's SQLite), raw 1.35 s, checks 0.36 s, dbt 8.14 s (start 1.49, "
    "setup 0.90, nodes 5.05 with 15 models 6.08 thread-s and 40 tests 2.52 thread-s, exit 0.71), Dagster between the "
    "steps 0.13 s. dbt's own import of its CLI and the DuckDB adapter is 1.6 s of CPU in a fresh interpreter "
    "(`python -X importtime`). Checked and not changed: a model's DELETE of a month costs ~3 ms; its INSERT of a "
    "month (fact_cost_daily, 244k rows) 0.21-0.29 s into the persistent table against 0.04 s into a temporary one, the "
    "difference being the compression of the written row groups (disabling DuckDB's fsst, dictionary, chimp/patas or "
    "bitpacking compression saved at most 0.05 s); md5 of 10M strings costs 0.66 s on the two cores (four keys a "
    "line in fact_cost_hourly); dbt's queue orders ready nodes by graph depth then name, so fact_cost_allocation "
    "starts before fact_cost_weekly at the same depth (~0.05 s on the month's critical path). The marts' 947 planned "
    "events before the run starts (12.7 s here) include 39 per unpartitioned asset (the seven dimensions and the "
    "seed): Dagster 1.13.27 gives every asset of a partition-range run the run's partitions subset "
    "(`DagsterRun.get_resolved_partitions_subset_for_events`), 304 events more than one each; "
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS would write one per asset (create_run 6.3 -> 0.95 s on a fresh "
    "instance) but then a failed range run no longer marks its partitions failed in the UI, so it is not set.",
    "- The bench of 2026-12-03 03:39-03:59 (main becd7ff: the previous bench's code plus dim_resource parsing each "
    "distinct resource id once, 0.37-0.48 -> 0.14-0.17 s for the same 22,002 rows, and the dimensions' covers tests "
    "reading the run's months of fact_cost_hourly instead of its 10M rows; nothing else running, load average "
    "1.5-2.3): the machine was in a slow phase: the CPU probe of the previous note took 0.41 s right after it "
    "(0.24 s at its fastest this session), and the same month run needed more CPU seconds, not only more wall: "
    "restated month 17.07-20.42 s with process CPU 29.5-33.3 s against 13.69-17.58 s and 24.9-28.4 s in the "
    "previous bench, the dbt step 12.32 s; an unchanged run of main's previous code took 10.81 s at 03:27 and "
    "11.90-17.53 s in the next half hour, so a bench moves by half its value with the machine. Alternated with "
    "the previous code (four pairs, drifting 11-17 s) the two changes did not separate from that drift; the "
    "statements they replace are 0.3-0.5 s of CPU of a ~25 s CPU run. Raw in-process 47.0/60.5/58.5 s against "
    "the tuned floor's 44.3/56.3/51.9 s (1.13x) and the bare floor's 62.3/64.3/65.6 s (0.91x); marts 114.39 s "
    "(CPU 203 s), raw + marts 172.9 s; dlt 22,339 rows/s (7.66x).",
    "- The bench of 2026-12-03 02:53-03:14 (main a9c221e; nothing else running, load average 1.4-2.7, but this "
    "machine's speed drifts: a fixed CPU probe (a Python loop, a one-thread DuckDB hash) took 0.24-0.40 s over the "
    "session, and the floors drifted with it: tuned floor 53.1/49.9/59.0 s against 53.3/46.5/47.1 s in the previous "
    "bench, bare floor 71.8/62.7/74.9 s against 63.9/57.5/54.5 s). The restated month 18.53 -> 14.40 s (runs "
    "17.58/13.69/14.40 s, the first with a full parse of its new vars; process CPU 28.4/24.9/25.5 s against "
    "39.1/31.4/30.8 s): raw step 1.71 s, its checks 0.33 s, the dbt step 10.66 s of which 7.04 s of dbt's nodes "
    "(55 nodes: 15 models, 40 tests) and ~3.6 s of dbt's start-up (~1.3 s Python and dbt imports, ~1.0 s of cached "
    "parse and connection) and exit. Three changes: (1) dbt's DuckDB connection runs `max_vacuum_tasks = 0`, as the "
    "loads do: the close of a month's dbt run no longer merges the row groups the month's replacement left partly "
    "deleted (py-spy and dbt's log: 2.5-3.5 s between dbt's last line and its exit, now 0.7-1.0 s); (2) the "
    "replacement of a month deletes the run's months and inserts the model's rows straight from its SQL (before: the "
    "rows into a temporary table, then dbt-duckdb's delete+insert copied them): per model 0.50+0.57 -> 0.93 s "
    "(int_cost_focus), 0.62+0.47 -> 0.58 s (fact_cost_daily), 0.31+0.42 -> 0.41 s (weekly) in one pair of runs; and "
    "a month of the run left without rows is now emptied instead of kept; (3) the run builds what is downstream of "
    "aws_cur_raw (15 models, 40 tests) instead of every cost model (23 models, 50 tests): the other clouds' and the "
    "traces' staging views, the trace keys and their two dimensions and the seed do not read the CUR, and their "
    "nodes (views over the OTLP JSON flattening, whole-table tests of them, ~0.3-0.6 s each) sat in front of "
    "int_cost_focus, which now starts 0.6 s after the first node instead of 1.1-1.5 s. Tables identical: the 13 "
    "tables of the restated month's run on the 39-month warehouse, count and row-hash sum, main's run against "
    "many replacements with the new path. Not gained: dbt threads 4 instead of 2 (three alternated pairs, 4 slower "
    "in each: 18.1/13.6/12.5 s against 14.7/12.1/11.2 s), DAGSTER_HOME on tmpfs (17.7-18.7 s against 17.1-21.0 s "
    "on disk: the event log's commits are CPU here, not fsync), dbt's file log at info instead of debug (within "
    "noise). Where the rest goes (py-spy of one run, 50 Hz): in the Dagster process, Dagster's SQLite event log "
    "~3.6 s of CPU (a new SQLAlchemy engine and connection per event, ~210 events), on the cores dbt also needs; in "
    "dbt, its SQL 11 s of thread time, its Python per node (Jinja, the adapter) ~4.8 s, its events ~2.7 s, imports "
    "~2.3 s. The marts 114.88 -> 111.74 s (dbt's nodes 95.3 s: int_cost_focus 19.9 s, fact_cost_hourly 29.2 s "
    "beside int_cost_keys 10.9 s and llm_consumption 3.5 s, fact_cost_daily 13.8 s, weekly 22.5 s beside monthly "
    "19.3 s), raw in-process 61.78 s in the slower phase (57.6/61.8/69.2 s), raw + marts 173.5 s.",
    "- The bench of 2026-12-02 19:42-20:01 (main fe47053: one not_null_columns test per model and `--no-write-json`, "
    "the month bound pushed into int_cost_focus's raw scans, fact_cost_hourly's select-list unnest, no row-group "
    "merge in the load's checkpoint; load average 1.7-2.5, nothing else running): the restated month 26.75 -> 18.53 s "
    "(runs 24.0/18.2/18.5 s, process CPU 39.1/31.4/30.8 s against 50.6/37.2/42.6 s): raw step 2.9-3.5 -> 1.51 s (the "
    "checkpoint no longer rewrites the neighbouring months' row groups), its checks 0.33 s, the dbt step 17.6-19.8 -> "
    "14.69 s of which 10.49 s of dbt's nodes (73 nodes, 50 tests, instead of 110 and 87: the nodes' time barely moved, "
    "so the month's models, not the tests, fill it) and ~4.2 s of dbt start-up, cached parse and exit; ~2 s of Dagster "
    "around the steps, mostly its SQLite event log (a month run writes ~264 events, each its own commit, asset events "
    "twice). The marts step did not move: 111.41 -> 114.88 s (one run each; 92.0 s of dbt's nodes against 94.6 s: "
    "int_cost_focus 26.6 -> 23.6 s, fact_cost_hourly 25.6 -> 27.5 s beside int_cost_keys 11.8 s, daily 12.0 s, weekly "
    "21.1 s beside monthly 16.4 s, allocation 1.3 s): the statements' CPU fell 10-45% in profiles of one batch but the "
    "two cores stay busy with the models side by side, so wall time did not follow. Raw + marts 168.8 s against "
    "150 s. Raw in-process runs 53.9/51.3/57.4 s (CPU 105/101/112 s) against the tuned floor's 53.3/46.5/47.1 s (CPU "
    "109/94/96 s; the tuned floor now also runs `max_vacuum_tasks = 0`, as the loads do) and the bare floor's "
    "63.9/57.5/54.5 s. dlt 31,764 rows/s in this run (24,936 in the previous one): the ratio to dlt is 5.84x "
    "(7.36x before) on the same raw speed.",
    "- The bench of 2026-12-02 17:02-17:23 (main 34a30d2: month batches, one dbt invocation per run, the "
    "file_index month check, lazy cloud imports; load average 1.7-2.0 throughout, nothing else running): raw "
    "in-process runs 54.5/47.2/63.0 s (process CPU 106/93/124 s) against the tuned floor's 50.6/54.5/46.9 s "
    "(CPU 103/112/96 s) and the bare floor's 71.4/74.3/52.8 s: the medians give 1.08x the tuned floor, but the "
    "spread of either is larger than the gap, and the CPU medians are 106 vs 103 s (1.03x). The ratio is within "
    "the target here; another bench can move it by ~0.1 (1.34x in the 14:31 bench, same machine). "
    "The previous bench's 182 s marts step (two dbt invocations: monthly 163 s, dimensions 8 s, one statement "
    "per model spilling at the 3GB limit) is now 111.4 s: one dbt invocation, 94.6 s inside dbt (int_cost_focus "
    "26.6 s, then fact_cost_hourly 25.6 s beside int_cost_keys 8.8 s, fact_cost_daily 12.8 s, fact_cost_weekly "
    "19.5 s beside fact_cost_monthly 19.4 s, fact_cost_allocation 2.4 s, then the tests), ~17 s around it (dbt's "
    "start-up and full parse, since this run's vars are new to the parse cache, its exit, and Dagster's events). "
    "Peak RSS 3,704 MiB (dbt's 3GB limit; the < 2 GiB target is the raw load's). Raw + marts 165.9 s against "
    "150 s. The restated month: runs 30.3/23.4/26.8 s (CPU 50.6/37.2/42.6 s), in the median run the raw load "
    "3.5 s, its checks 0.5 s, the one dbt step 19.8 s of which 10.6-12.6 s inside dbt (models and 87 tests "
    "of the month and the dimensions), the rest dbt's start-up, cached parse and exit, and Dagster's run. "
    "Where the rest of the 10 s target would have to come from: one dbt process costs ~6-8 s before and after "
    "its work on this machine, and Dagster's run ~3 s; the month's models and tests ~11 s.",
    "- Every Python process that imports the definitions (the `dagster` CLI, each step process of the multiprocess "
    "executor, the dbt CLI for its own packages) pays ~7 s of CPU for imports (Dagster, dagster-dbt, the Google "
    "and AWS clients), twice that when the bytecode is not compiled (PYTHONDONTWRITEBYTECODE is set on this "
    "machine: `make install` now compiles it at install time). The multiprocess executor starts three such "
    "processes (the CLI, the load step, the checks step).",
    "- Each dbt invocation starts the dbt CLI (imports, project and profile), parses the project and, on exit, "
    "closes its DuckDB connection (a checkpoint of what it wrote). dagster-dbt gives every invocation a fresh target "
    "folder seeded with one parse cache; a run's two invocations have different vars (the monthly models get the "
    "run's months, the dimensions none), so each found the other's cache and dbt parsed the whole project in both, "
    "every run (`Unable to do partial parsing because config vars, config profile, or config target have changed`). "
    "The caches are now kept per (vars, target, FINOPS_* settings) under `target/partial_parse/`: a month built "
    "again (a restatement, the open month refreshed during the day) and the dimensions of every run skip the parse "
    "(`PartialParsingSkipParsing`); a month never built before still parses once. The dbt resource (still "
    "dagster-dbt's DbtCliResource) takes dbt's version from the installed dbt-core package instead of running "
    "`dbt --version` once per run (a whole dbt start-up, ~4 s of CPU, plus three requests to PyPI for the latest "
    "versions), and builds no dbt adapter inside the Dagster process (~2 s of CPU; dagster-dbt uses it only for "
    "column metadata and row counts, which these assets do not fetch).",
    "- The restated month is one run: raw load and its checks, then the month's models and the dimensions (two dbt "
    "invocations until the change at the end of this paragraph, one since). Before (dbt logs of the full-scale "
    "run, 2026-12-02, idle): the monthly invocation 18 s inside dbt (5 s start-up and full parse, 13 s of models "
    "and tests), the dimensions 8 s (5 s start-up and full parse), raw ~6 s, ~24 s of Dagster/dagster-dbt around "
    "the dbt processes; the '~10 s gap' before the dimensions' dbt was no gap between the steps: it was "
    "`dbt --version` and the in-process adapter, paid before the first dbt process of the run starts. "
    "After (2026-12-02, full scale, the machine shared with two other benchmarks at load average 9-17, so wall "
    "times are 3-4x an idle machine's; old and new code alternated on one warehouse): the Dagster step of the "
    "monthly models now starts dbt 0.1-0.2 s after it starts (22-26 s before: `dbt --version` and the adapter); dbt "
    "reaches its parsed project in 4.8-7.0 s (monthly) and 2.7-7.5 s (dimensions), partial parsing skipped, against "
    "17-22 s and 21-26 s of full parses before; CPU of the whole run (user + sys, dbt processes included) 55.6-57.0 "
    "s in two runs against 70.8-82.1 s in three. What remains per dbt process: its Python start-up (~3 s of CPU), the models and tests of "
    "the month, and its exit after its last result (artifacts written, DuckDB's checkpoint of what it wrote): 13-37 "
    "s under that load for the monthly invocation. A likely cause, not yet confirmed: the 39-month build inserts "
    "the months interleaved (one parallel INSERT, insertion order off), so one month's rows sit in every row group "
    "(2025-12: 80 of fact_cost_hourly's 80) and replacing a month rewrites all of them; a build ordered by month "
    "would confine it. Dagster stores ~380 events per run (119 planned materializations and checks before "
    "the run starts, then outputs, materializations and check evaluations), one sqlite commit each: ~10 s before "
    "PIPELINE_START under that load. "
    "One dbt invocation per run (2026-12-02, later): the monthly models and the dimensions are now one dagster-dbt "
    "asset set (`finops_dbt_costs`) whose translator gives each model its own partitions (`get_partitions_def`: "
    "monthly models by billing month, dimensions and the seed none), so the dimensions stay unpartitioned assets "
    "with their checks while a month's run starts, parses and exits dbt once; the step's vars come from the run's "
    "partition window when it builds a monthly model (none for the dimensions alone). The dimensions checked "
    "against fact_cost_hourly declare `depends_on` it: in one invocation dbt otherwise ran their covers tests while "
    "the fact was being rebuilt (the first 39-month build failed them: the table did not exist yet). Measured at "
    "full scale (39 months, one month restated; a fresh copy of one warehouse per run, old and new code "
    "alternated, both parse caches warm; machine shared with two other benchmarks, load average 7-8): timed "
    "86.2 / 91.2 s before, 73.9 / 90.2 s after; the dbt steps 66.1 / 65.9 s (two) against 48.8 / 60.1 s (one); "
    "CPU of the run (user) 53.2 / 54.3 s against 43.0 / 50.1 s (a third pair, run at load 11-18 to keep both "
    "warehouses, is no timing: 168 s against 528 s with 129 s of system CPU, the machine swamped; its tables are "
    "identical: every table of the finops schema, the dimensions whole and the monthly tables' restated month, "
    "EXCEPT ALL both ways empty, same row counts). Per dbt process under that load: 4-6 s from the "
    "step's start to dbt's first log line (Python and dbt imports), 7-10 s more to the parsed project (cache "
    "loaded, manifest written), 2.5-5 s from dbt's last line to the step's end (dbt's exit: artifacts, DuckDB's "
    "close). Months' tests: unique_grain, the reconciliations and the cost-anomaly test already read only the "
    "run's months (`finops.in_run_months`); each ran in 0.1-0.4 s in the last bench. The exit tail is not mainly "
    "the month's checkpoint: `dbt run` of dim_time alone (a small table rebuilt) ended 2.4 / 5.0 s after its last "
    "line, of one month of fact_cost_hourly 3.8 / 6.3 s (direct dbt runs on a copy of the warehouse, load 9).",
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
    "- Month batches (2026-12-02, full scale, `dbt run` of the six cost models over 39 months, fresh tables, threads 2, "
    "3GB, the machine shared with two other benchmarks): one statement per model spilled to `<warehouse>.tmp` "
    "(1.8 GiB during fact_cost_hourly, 4.6 GiB while fact_cost_weekly and fact_cost_monthly ran side by side); the "
    "cost models now build a multi-month run in batches of 4 months, one statement a batch in one transaction "
    "(`finops_monthly` materialization, macros/monthly_batches.sql), and nothing spills. Back to back on copies of "
    "one raw warehouse, before at load 7, after at load 7-9: 505 -> 341 s in all; fact_cost_hourly 226 -> 94 s, "
    "fact_cost_monthly 113 -> 70 s, fact_cost_weekly 99 -> 76 s, fact_cost_daily 61 -> 43 s, int_cost_keys "
    "59 -> 37 s (it also groups by the business keys and hashes each surrogate key once per grouped row, not per "
    "line), int_cost_focus 89 -> 89 s. At 8 months (no spill either way) batches gain little: 88 vs 115 s wall, "
    "load 8-9, one run each (int_cost_focus in 1-month batches read the raw table once a month: 21 -> 31 s; "
    "int_cost_focus alone at 8 months, 1/4/8 months a batch: 24/13/16 s, hence 4). Each table's months now sit in "
    "row groups of their own: one month of int_cost_focus built in 1-month batches scans in 0.06 s, its 8 months "
    "in 0.25 s, and a restated month's delete+insert no longer touches every row group. Exactness: every table identical "
    "(EXCEPT ALL both ways, columns and types) at 8 months and at 39 months (all six, 9.8M hourly rows), and in finops_assets_tests/defs/dbt/"
    "test_month_batches.py on the demo warehouse (new tables and replaced tables). fact_cost_allocation (a day's pools "
    "split over that day's recipients whatever their billing month) and llm_consumption stay one statement. Not "
    "measured: threads 1 vs 2, batch sizes other than 1/4/8, the whole marts step through Dagster.",
    "- The restated month's dbt step (2026-12-02, full scale, machine shared, load 3-14): one not_null_columns test "
    "per model instead of one not_null test per column (87 -> 50 tests, 110 -> 73 dbt nodes; 375 -> 264 Dagster "
    "events a run, 95 -> 58 check evaluations; the planned events before the run starts took 10-25 s against 4-8 s "
    "at load 8-10), and `--no-write-json` (manifest.json twice, run_results.json, graph.gpickle: 0.2-0.7 s at the "
    "end of dbt's run). The models' executed SQL is unchanged (only the temporary tables' names differ), so the "
    "tables are identical. py-spy of one dbt process: after its last line, ~1.5 s of exit (DuckDB freeing its "
    "buffers and joining its threads, Python's final GC) that no dbt flag removes; its debug file log (JSON, ~2,400 "
    "lines) is a visible share of dbt's Python time but its CPU did not separate from the noise at load 8-11.",
    "- Statements that buffered every line (2026-12-02, full scale, DuckDB JSON profiles of one 4-month batch on a copy of "
    "the 39-month warehouse, machine shared with two other helpers at load 2-11, so CPU seconds (user + sys of the "
    "statement) are the measure, wall is not): int_cost_focus filtered CUR v1 with `cast(billing_period_start as "
    "date)`, which DuckDB cannot push into the scan: every batch read every column of all 10M raw rows (the raw load "
    "keeps a month's rows in row groups of their own, ~2 of 82 a month); it now compares the timestamp with the "
    "month's midnight (the same rows), the scan reads 11 of 82 row groups. Its Data Exports precedence was a correlated "
    "NOT EXISTS, planned as a delim join that first buffers every CUR v1 row (~1 s of a batch even with no Data "
    "Exports); it is now a left join to the distinct (payer, month) pairs keeping the unmatched rows. The batch: 5.7/4.9 "
    "-> 3.3/2.5 s CPU. fact_cost_hourly spread lines over their hours with a lateral `cross join unnest(...)`, also "
    "a delim join buffering every line (1.2 s of a batch); a select-list unnest streams: 4.2/3.9 -> 3.6/3.1 s CPU. "
    "What remains in a focus batch: writing the table (~2.7 s of operator time for 1M rows x 39 columns) and the "
    "AWS projection (Tags JSON ~0.5 s); in an hourly batch the hash aggregate (~1 group per line, ten keys of them "
    "four md5 strings, sixteen aggregates). Batch size, per-statement CPU at 8 months of fact_cost_daily: 1 x 8 months "
    "3.6 s, 2 x 4 3.7 s, 4 x 2 3.4 s; fact_cost_hourly 4 months as 1 x 4 4.2/4.0 s, as 2 x 2 3.7/3.9 s; peak buffer "
    "memory halves with the batch (hourly 0.88 -> 0.46 GB, daily 0.75 -> 0.44 GB). The whole marts step on "
    "fresh tables (as the bench: after a raw load, no marts yet), main then this change, at load 4.7 and 10: "
    "308.7 s / 260 s CPU and 512.3 s / 239 s CPU: wall says nothing on a machine that busy; CPU -8%. Every table "
    "identical at 39 months and on the demo (6 months with Data Exports, new and replaced tables).",
    "- The restated month outside dbt (2026-12-02, full scale, machine shared with two other benchmarks at load "
    "average 7-11, so every figure is 2-4x an idle run's). Definitions: 0.10 s (the dbt manifest is read once per "
    "process, by the module's `defs` at import; the implicit job 0.01 s). The raw step: its INSERT ~2-3 s of CPU, "
    "then the load connection's close, whose checkpoint also merged the row groups the month's old rows had shared "
    "with other months (DuckDB's vacuum: read and recompress ~120k rows of other months), 1-2 s of CPU; the load "
    "now runs with `max_vacuum_tasks = 0` (row groups left empty are still dropped; the deleted rows otherwise stay "
    "marked, 10,650 of them with or without the merge), close 1.2-4.0 -> 0.07-0.43 s; tables identical (EXCEPT ALL "
    "both ways on the restated month and another, per-month count and row-hash checksums of all 39). Fresh copies "
    "of the base, alternated: raw step 11.3/12.4 s before, 9.3/8.9 s after; process CPU 51.6/52.6 s before, "
    "49.3/51.7 s after. Dagster's event log: a month run writes 375 events (119 planned before the run starts: 24 "
    "materializations and 95 checks; then 119 step outputs, 95 check evaluations, 24 materializations), each a new "
    "SQLite connection and commit to the run's shard and, for asset and check events, the index shard again (1,035 "
    "commits, 1,258 connections: each close of a WAL database's last connection checkpoints it). The same code with "
    "DAGSTER_HOME on tmpfs, alternated with the disk: the 119 planned events 2.3/1.8 s against 9.6-12.0 s, the run "
    "75.0/62.8 s against 92.5 s, process CPU 48.8/46.0 s against 54.5 s. The deployment's Postgres storage "
    "(deploy/dagster.yaml) is not the benchmark's SQLite default.",
]
