"""dbt's parse cache is kept per (vars, target, FINOPS_* settings): a run's monthly invocation (the run's months as
vars) and its dimensions invocation (no vars) each find their own cache, so a month built again and the dimensions
of every run skip dbt's full parse (dagster-dbt seeds each invocation's fresh target folder)."""

from finops_assets.defs.dbt.assets import (
    PARTIAL_PARSE_FILE,
    keep_partial_parse,
    partial_parse_key,
    seed_partial_parse,
)

OCTOBER_VARS = {"min_month": "2025-10-01", "max_month": "2025-11-01", "cost_anomaly_factor": 10.0}
ENVIRONMENT = {"FINOPS_DUCKDB_PATH": "/w.duckdb", "FINOPS_ENV": "local", "HOME": "/root"}


def test_the_key_follows_the_vars_the_target_and_the_finops_settings_only():
    key = partial_parse_key(OCTOBER_VARS, "local", ENVIRONMENT)

    assert key == partial_parse_key(dict(reversed(list(OCTOBER_VARS.items()))), "local", {**ENVIRONMENT, "HOME": "/x"})
    assert key != partial_parse_key({**OCTOBER_VARS, "min_month": "2025-09-01"}, "local", ENVIRONMENT)
    assert key != partial_parse_key({}, "local", ENVIRONMENT)
    assert key != partial_parse_key(OCTOBER_VARS, "prod", ENVIRONMENT)
    assert key != partial_parse_key(OCTOBER_VARS, "local", {**ENVIRONMENT, "FINOPS_DUCKDB_PATH": "/other.duckdb"})


def test_each_key_keeps_its_own_cache_and_seeds_the_next_invocation_with_it(tmp_path):
    cache = tmp_path / "target" / "partial_parse"
    for key, content in (("monthly", b"parsed with the month's vars"), ("dimensions", b"parsed without vars")):
        invocation = tmp_path / "target" / f"finops_dbt_{key}-abc"
        invocation.mkdir(parents=True)
        (invocation / PARTIAL_PARSE_FILE).write_bytes(content)
        keep_partial_parse(invocation, cache, key)

    assert seed_partial_parse(cache, "monthly", tmp_path / "next")
    assert (tmp_path / "next" / PARTIAL_PARSE_FILE).read_bytes() == b"parsed with the month's vars"
    assert not seed_partial_parse(cache, "another month", tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_only_the_newest_caches_are_kept(tmp_path):
    invocation, cache = tmp_path / "run", tmp_path / "cache"
    invocation.mkdir()
    (invocation / PARTIAL_PARSE_FILE).write_bytes(b"parsed")
    for key in ("a", "b", "c"):
        keep_partial_parse(invocation, cache, key, kept=2)

    assert sorted(p.name for p in cache.iterdir()) == ["b.msgpack", "c.msgpack"]


def test_an_invocation_that_wrote_no_cache_stores_nothing(tmp_path):
    invocation = tmp_path / "run"
    invocation.mkdir()

    keep_partial_parse(invocation, tmp_path / "cache", "key")

    assert not (tmp_path / "cache").exists()


def test_old_invocation_folders_are_pruned_and_the_project_files_kept(tmp_path):
    """dagster-dbt leaves one target folder per dbt invocation: beyond the newest `kept`, folders untouched for an hour
    go; a recent one stays (a long invocation still running), and so does everything that is not an invocation's."""
    import os
    import time

    from finops_assets.defs.dbt.assets import prune_invocations

    now = time.time()
    folders = []
    for age_h in (5, 4, 3, 2, 0.5):  # oldest first
        folder = tmp_path / f"finops_dbt_costs-{len(folders):07x}-abcdef0"
        (folder / "compiled").mkdir(parents=True)
        (folder / "dbt.log").write_text("{}")
        os.utime(folder, (now - age_h * 3600,) * 2)
        os.utime(folder / "dbt.log", (now - age_h * 3600,) * 2)
        folders.append(folder)
    # Its folder looks old but dbt is still appending to its log: it counts as written now.
    os.utime(folders[0] / "dbt.log", (now, now))
    for keep in ("partial_parse", "manifest.json", "finops_dbt_costs-not-a-run"):
        (tmp_path / keep).mkdir()
        os.utime(tmp_path / keep, (now - 99 * 3600,) * 2)

    removed = prune_invocations(tmp_path, kept=1, now=now)

    # Newest by last write: folders[0] (log written now), then 4 (0.5 h), 3, 2, 1; 4 is under an hour old.
    assert sorted(removed) == sorted([folders[1], folders[2], folders[3]])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [folders[0].name, folders[4].name, "partial_parse", "manifest.json", "finops_dbt_costs-not-a-run"])
    assert prune_invocations(tmp_path, kept=1, now=now) == []


def test_the_folders_dbt_build_names_are_the_ones_pruning_recognises():
    import uuid

    from finops_assets.defs.dbt.assets import INVOCATION_FOLDER, invocation_folder_name

    run_id = str(uuid.uuid4())
    match = INVOCATION_FOLDER.match(invocation_folder_name("finops_dbt_costs", run_id))
    assert match and match["step"] == "finops_dbt_costs" and match["run"] == run_id[:7]
