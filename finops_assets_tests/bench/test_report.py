"""bench/RESULTS.md: targets judged from the results, reduced scale marked."""

from bench.report import GIB, Targets, render_markdown, target_rows

STEP = {"seconds": 1.0, "process_wall_s": 2.0, "peak_rss_bytes": 100 * 2**20, "runs": []}


def results(**overrides):
    data = {
        "scale": "reduced", "measured_at": "2026-12-02T03:00:00+00:00", "rows": 30000, "months": 3,
        "rows_per_month": 10000, "parts_per_month": 4, "data_bytes": 3 * 2**20, "repeats": 1, "cores": 2,
        "memory_bytes": 24 * GIB, "load_average_at_start": 0.5, "load_average_at_end": 1.0, "raw_full_history_s": 12.0,
        "raw_best_executor": "in_process", "raw_in_process_s": 12.0, "raw_multiprocess_s": 30.0, "raw_in_process_warehouse_s": 9.0,
        "raw_in_process_checks_s": 1.0, "raw_per_month_s": 4.0, "floor_duckdb_s": 10.0, "floor_duckdb_tuned_s": 8.0, "gzip_floor_s": 1.0,
        "dlt_s": 10.0, "dlt_rows": 10000, "dlt_rows_per_s": 1000.0, "ours_rows_per_s": 2500.0, "marts_s": 20.0,
        "raw_plus_marts_s": 32.0, "restated_month_s": 11.0, "restated_month_raw_s": 3.0,
        "restated_month_rows": 11001, "peak_rss_bytes": 3 * GIB, "sensor_tick_10k_s": 0.5, "sensor_objects": 10000,
        "ratio_ours_over_floor": 1.2, "ratio_ours_over_floor_tuned": 1.5, "ratio_ours_over_gzip": 12.0, "speedup_over_dlt": 2.5,
        "generator_rows_per_s": 30000.0, "generator_rows_per_cpu_s": 40000.0, "generate_s": 1.0,
        "steps": {k: STEP for k in ("raw_inprocess", "raw_multiprocess", "floor_duckdb", "floor_duckdb_tuned", "gzip_floor", "dlt", "marts",
                                    "restated_month", "sensor_tick")},
    }
    return {**data, **overrides}


def test_targets_met_and_missed_are_told_apart():
    met = {name: ok for name, _, _, ok in target_rows(results(), Targets())}
    assert met["raw load / bare DuckDB floor"] is True
    assert met["raw load / DuckDB floor with our connection settings"] is False  # the stricter floor judged apart
    assert met["raw load speed / dlt (rows per second)"] is False
    assert met["one restated month, end to end"] is False
    assert met["peak memory of the raw load (process tree RSS, best executor)"] is False
    assert met["sensor tick over 10,000 objects"] is True


def test_a_reduced_scale_report_says_so():
    text = render_markdown(results(), Targets())
    assert "Reduced scale" in text and "30,000 AWS CUR v1 rows over 3 months" in text
    assert "**no**" in text
    assert "Reduced scale" not in render_markdown(results(scale="full"), Targets())


def test_both_floors_are_reported_and_an_older_results_file_still_renders():
    text = render_markdown(results(), Targets())
    assert "Floor with our load settings" in text and "**1.50x** (12.00 s vs 8.00 s)" in text
    older = results(steps={k: v for k, v in results()["steps"].items() if k != "floor_duckdb_tuned"})
    del older["floor_duckdb_tuned_s"], older["ratio_ours_over_floor_tuned"]
    assert "Floor with our load settings" not in render_markdown(older, Targets())


def test_a_busy_machine_is_flagged():
    assert "machine was busy" not in render_markdown(results(), Targets())
    assert "machine was busy" in render_markdown(results(load_average_at_end=6.0), Targets())


def test_the_issue_scale_is_full_although_the_even_split_leaves_ten_rows_out():
    from bench.run import is_full_scale

    assert is_full_scale(9_999_990, 39) and is_full_scale(10_000_000, 39)
    assert not is_full_scale(9_999_990 - 39, 39) and not is_full_scale(20_000, 2)
