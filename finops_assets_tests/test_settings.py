from datetime import date

import pytest

from finops_assets.settings import Settings, SettingsError, load_settings


def test_defaults_are_the_configuration_contract():
    settings = load_settings({})
    assert settings == Settings()
    assert (settings.env, settings.landing_url, settings.duckdb_path) == ("local", "./data/landing", "./data/warehouse.duckdb")
    assert (settings.aws_cur_prefix, settings.raw_dataset, settings.mart_dataset) == ("aws_cur", "billing_raw", "finops")
    assert settings.start_month == date(2022, 1, 1)
    assert settings.bq_location == "US"
    assert settings.aws_data_exports_prefix == "aws_data_exports"


def test_every_variable_is_read():
    settings = load_settings({
        "FINOPS_ENV": "prod", "FINOPS_GCP_PROJECT": "p", "FINOPS_LANDING_URL": "gs://b/x",
        "FINOPS_AWS_CUR_PREFIX": "cur", "FINOPS_RAW_DATASET": "raw", "FINOPS_START_MONTH": "2023-04",
        "FINOPS_BQ_LOCATION": "EU", "FINOPS_DUCKDB_PATH": "/w.duckdb", "FINOPS_AWS_DATA_EXPORTS_PREFIX": "cur2",
    })
    assert settings.aws_data_exports_prefix == "cur2"
    assert (settings.env, settings.gcp_project, settings.landing_url, settings.aws_cur_prefix) == ("prod", "p", "gs://b/x", "cur")
    assert (settings.raw_dataset, settings.start_month, settings.bq_location) == ("raw", date(2023, 4, 1), "EU")


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"FINOPS_ENV": "staging"}, "FINOPS_ENV='staging'"),
        ({"FINOPS_ENV": "prod"}, "needs FINOPS_GCP_PROJECT"),
        ({"FINOPS_START_MONTH": "2022-01-15"}, "first day of a month"),
        ({"FINOPS_START_MONTH": "soon"}, "not a date"),
        ({"FINOPS_FRESHNESS_HOURS": "a day"}, "FINOPS_FRESHNESS_HOURS='a day' is not a whole number"),
        ({"FINOPS_AVAILABILITY_DAYS": "0"}, "FINOPS_AVAILABILITY_DAYS='0' must be at least 1"),
        ({"FINOPS_SENSOR_RECENT_MONTHS": "three"}, "FINOPS_SENSOR_RECENT_MONTHS='three' is not a whole number"),
        ({"FINOPS_SENSOR_RECENT_MONTHS": "0"}, "must be at least 1"),
        ({"FINOPS_SENSOR_FULL_RESCAN_HOURS": "daily"}, "is not a number"),
    ],
)
def test_bad_values_are_rejected_with_the_variable_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


def test_edge_and_long_run_variables_are_read():
    settings = load_settings({
        "FINOPS_LANDING_URL": "s3://bucket/landing", "FINOPS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "FINOPS_S3_REGION": "eu-west-1", "FINOPS_AWS_CUR_SOURCE_URL": "s3://cur-bucket/cur",
        "FINOPS_AZURE_FOCUS_SOURCE_URL": "https://acct.blob.core.windows.net/exports", "FINOPS_AZURE_STORAGE_KEY": "c2VjcmV0",
        "FINOPS_SENSOR_RETRY_DELAY_SECONDS": "0.5",
        "FINOPS_MIRROR_GRACE_HOURS": "6", "FINOPS_RETRY_DELAY_SECONDS": "2", "FINOPS_RETENTION_REQUESTS_DAYS": "30",
        "FINOPS_RETENTION_HOURLY_DAYS": "365", "FINOPS_RETENTION_DAILY_DAYS": "1000", "FINOPS_SNAPSHOT_DIR": "/snaps",
    })
    assert (settings.landing_url, settings.s3_endpoint_url, settings.s3_region) == ("s3://bucket/landing", "http://127.0.0.1:9000", "eu-west-1")
    assert (settings.aws_cur_source_url, settings.azure_focus_source_url) == ("s3://cur-bucket/cur", "https://acct.blob.core.windows.net/exports")
    assert (settings.mirror_grace_hours, settings.retry_delay_seconds) == (6, 2)
    assert (settings.azure_storage_key, settings.sensor_retry_delay_seconds) == ("c2VjcmV0", 0.5)
    assert "c2VjcmV0" not in repr(settings)  # the account key never reaches a log line
    assert (settings.retention_requests_days, settings.retention_hourly_days, settings.retention_daily_days) == (30, 365, 1000)
    assert settings.snapshot_dir == "/snaps"
    defaults = load_settings({})
    assert (defaults.mirror_grace_hours, defaults.retention_requests_days, defaults.retention_hourly_days, defaults.retention_daily_days) == (24, 90, 730, 3650)


@pytest.mark.parametrize("value", ["soon", "-1", "1.5"])
def test_whole_number_variables_reject_other_values(value):
    with pytest.raises(SettingsError, match=f"FINOPS_MIRROR_GRACE_HOURS={value!r}"):
        load_settings({"FINOPS_MIRROR_GRACE_HOURS": value})


def test_check_thresholds_are_read_as_whole_numbers():
    settings = load_settings({"FINOPS_FRESHNESS_HOURS": " 12 ", "FINOPS_AVAILABILITY_DAYS": "3"})
    assert (settings.freshness_hours, settings.availability_days) == (12, 3)
    assert (Settings().freshness_hours, Settings().availability_days) == (36, 7)


def test_anomaly_thresholds_are_read_and_bounded():
    settings = load_settings({"FINOPS_COST_ANOMALY_FACTOR": "4.5", "FINOPS_COST_ANOMALY_TRAILING_DAYS": "14",
                              "FINOPS_REQUEST_JUMP_FACTOR": "20"})
    assert (settings.cost_anomaly_factor, settings.cost_anomaly_trailing_days, settings.request_jump_factor) == (4.5, 14, 20)
    assert (Settings().cost_anomaly_factor, Settings().cost_anomaly_trailing_days, Settings().request_jump_factor) == (10, 7, 10)
    with pytest.raises(SettingsError, match="FINOPS_REQUEST_JUMP_FACTOR='0.5' must be at least 1"):
        load_settings({"FINOPS_REQUEST_JUMP_FACTOR": "0.5"})


def test_reports_dir_defaults_to_data_reports_and_is_configurable():
    assert load_settings({}).reports_dir == "./data/reports"
    assert load_settings({"FINOPS_REPORTS_DIR": "/srv/reports"}).reports_dir == "/srv/reports"


def test_sensor_and_alert_settings_are_read():
    settings = load_settings({
        "FINOPS_SENSOR_RECENT_MONTHS": "2", "FINOPS_SENSOR_FULL_RESCAN_HOURS": "12.5", "FINOPS_SENSOR_INTERVAL_SECONDS": "30",
        "FINOPS_SLACK_TOKEN": "xoxb-1", "FINOPS_SLACK_CHANNEL": "#finops", "FINOPS_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/h",
    })
    assert (settings.sensor_recent_months, settings.sensor_full_rescan_hours, settings.sensor_interval_seconds) == (2, 12.5, 30)
    assert (settings.slack_token, settings.slack_channel, settings.alert_webhook_url) == ("xoxb-1", "#finops", "http://127.0.0.1:9/h")


def test_duckdb_memory_limit_is_read_checked_and_given_to_the_warehouse_io_manager():
    from finops_assets.resources import build_resources

    assert load_settings({}).duckdb_memory_limit == "1GB"
    settings = load_settings({"FINOPS_DUCKDB_MEMORY_LIMIT": "512MB"})
    assert build_resources(settings)["warehouse_io_manager"].memory_limit == "512MB"
    with pytest.raises(SettingsError, match="FINOPS_DUCKDB_MEMORY_LIMIT='lots' is not a size"):
        load_settings({"FINOPS_DUCKDB_MEMORY_LIMIT": "lots"})


def test_dbt_memory_limit_is_its_own_setting_and_the_profiles_default():
    from pathlib import Path

    import finops_assets

    assert load_settings({}).dbt_memory_limit == "3GB"
    assert load_settings({"FINOPS_DBT_MEMORY_LIMIT": "6GB", "FINOPS_DUCKDB_MEMORY_LIMIT": "512MB"}).dbt_memory_limit == "6GB"
    with pytest.raises(SettingsError, match="FINOPS_DBT_MEMORY_LIMIT='lots' is not a size"):
        load_settings({"FINOPS_DBT_MEMORY_LIMIT": "lots"})
    # dbt reads the variable itself (profiles.yml): its default there is the settings' default
    profile = (Path(finops_assets.__file__).parent / "dbt" / "profiles.yml").read_text()
    assert "memory_limit: \"{{ env_var('FINOPS_DBT_MEMORY_LIMIT', '3GB') }}\"" in profile
