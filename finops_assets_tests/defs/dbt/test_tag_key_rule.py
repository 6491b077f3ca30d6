"""The tag-key rule exists twice: `tag_key` (SQL, per line: Azure's Tags JSON, GCP labels, CUR 2.0's tag map) and
`tag_key_of_name` (Jinja, at compile time: CUR v1's tag column names). A tag must land under the same key whichever
export carried it, so both renderings of the rule are compared key by key here, on the keys real exports carry and
on the awkward ones (case, separators, the `user:` prefix, digits, non-ASCII), through dbt itself."""

from __future__ import annotations

import duckdb

from finops_assets_tests.defs.dbt.inline import compile_inline

KEYS = [
    "user:Cost Center", "CostCenter", " cost-center", "cost_center", "user:team", "Team", "USER:Team", "user:user:x",
    "aws:createdBy", "user:AppName", "Application", "app", "owner_team", "OwnerTeam", "Environment", "env ",
    "user:k8s.io/cluster-autoscaler", "kubernetes.io/cluster/prod", "project-ID", "x__y", "__lead", "trail__",
    "a b  c", "ABCService", "HTTPServer2Go", "v2Api", "already_snake_case", "MiXeD-Case_and.dots", "Ünïcode Kéy",
    "número", "日本語キー", "9lives", "-", "user:",
]


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_compile_time_and_sql_tag_key_rules_agree_key_by_key(tmp_path):
    # Each row: the raw key, the key computed by Jinja at compile time, the key computed by the SQL rule.
    rows = "\n    union all ".join(
        f"select {i} as i, {sql_literal(key)} as raw_key, "
        f"'{{{{ finops.tag_key_of_name({sql_literal(key)}) }}}}' as compiled"
        for i, key in enumerate(KEYS)
    )
    sql = f"select i, raw_key, compiled, {{{{ finops.tag_key('raw_key') }}}} as in_sql from ({rows}) order by i"
    result = duckdb.sql(compile_inline(sql, tmp_path)).fetchall()
    assert [r[1] for r in result] == KEYS
    disagreements = [(raw, compiled, in_sql) for _, raw, compiled, in_sql in result if compiled != in_sql]
    assert disagreements == []
    keys = {raw: compiled for _, raw, compiled, _ in result}
    # The rule's documented examples, so agreement is not agreement on something wrong.
    assert keys["user:Cost Center"] == keys["CostCenter"] == keys[" cost-center"] == "cost_center"
    assert keys["USER:Team"] == keys["user:team"] == "team"
    assert keys["HTTPServer2Go"] == "httpserver2_go"
    assert keys["user:k8s.io/cluster-autoscaler"] == "k8s_io_cluster_autoscaler"
    assert keys["-"] == keys["user:"] == ""
