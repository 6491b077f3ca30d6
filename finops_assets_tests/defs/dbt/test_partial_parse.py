"""dbt's parse cache is written back after every invocation, so the next one with the same profile and vars
skips the full parse (dagster-dbt seeds each invocation's fresh target folder from the project target)."""

from finops_assets.defs.dbt.assets import PARTIAL_PARSE_FILE, keep_partial_parse


def test_the_invocations_parse_cache_replaces_the_projects(tmp_path):
    invocation, project = tmp_path / "target" / "finops_dbt_monthly-abc", tmp_path / "target"
    invocation.mkdir(parents=True)
    (project / PARTIAL_PARSE_FILE).write_bytes(b"parsed by make install")
    (invocation / PARTIAL_PARSE_FILE).write_bytes(b"parsed by the run")

    keep_partial_parse(invocation, project)

    assert (project / PARTIAL_PARSE_FILE).read_bytes() == b"parsed by the run"
    assert sorted(p.name for p in project.iterdir()) == ["finops_dbt_monthly-abc", PARTIAL_PARSE_FILE]


def test_an_invocation_that_wrote_no_cache_leaves_the_projects(tmp_path):
    invocation, project = tmp_path / "run", tmp_path / "target"
    invocation.mkdir()
    project.mkdir()
    (project / PARTIAL_PARSE_FILE).write_bytes(b"kept")

    keep_partial_parse(invocation, project)

    assert (project / PARTIAL_PARSE_FILE).read_bytes() == b"kept"
