import pytest

from finops_assets.warehouse.identifiers import quote_bigquery, quote_duckdb, snake_case, unique_names


@pytest.mark.parametrize(
    "header, name",
    [
        ("lineItem/UsageAmount", "line_item_usage_amount"),
        ("product/fromRegionCode", "product_from_region_code"),
        ("resourceTags/user:Cost Center", "resource_tags_user_cost_center"),
        ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),  # as AWS names it in Athena/Parquet
        ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
        ("line_item_usage_amount", "line_item_usage_amount"),  # Parquet names are already normal
        ("resourceTags/user:9lives", "resource_tags_user_9lives"),
        ("9lives", "c_9lives"),
        ("???", "column"),
    ],
)
def test_snake_case(header, name):
    assert snake_case(header) == name


def test_names_never_start_with_an_underscore_so_bigquery_reserved_prefixes_cannot_occur():
    assert snake_case("_partition_date") == "partition_date"
    assert snake_case("_TABLE_SUFFIX") == "t_a_b_l_e_s_u_f_f_i_x"


def test_unique_names_is_deterministic_and_skips_taken_suffixes():
    assert unique_names(["a", "b", "a", "a_2", "a"]) == ["a", "b", "a_3", "a_2", "a_4"]


def test_quoting_escapes_the_quote_character():
    assert quote_duckdb('a"b') == '"a""b"'
    assert quote_bigquery("a`b") == "`a\\`b`"
