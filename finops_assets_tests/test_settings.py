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


def test_every_variable_is_read():
    settings = load_settings({
        "FINOPS_ENV": "prod", "FINOPS_GCP_PROJECT": "p", "FINOPS_LANDING_URL": "gs://b/x",
        "FINOPS_AWS_CUR_PREFIX": "cur", "FINOPS_RAW_DATASET": "raw", "FINOPS_START_MONTH": "2023-04",
        "FINOPS_BQ_LOCATION": "EU", "FINOPS_DUCKDB_PATH": "/w.duckdb",
    })
    assert (settings.env, settings.gcp_project, settings.landing_url, settings.aws_cur_prefix) == ("prod", "p", "gs://b/x", "cur")
    assert (settings.raw_dataset, settings.start_month, settings.bq_location) == ("raw", date(2023, 4, 1), "EU")


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"FINOPS_ENV": "staging"}, "FINOPS_ENV='staging'"),
        ({"FINOPS_ENV": "prod"}, "needs FINOPS_GCP_PROJECT"),
        ({"FINOPS_START_MONTH": "2022-01-15"}, "first day of a month"),
        ({"FINOPS_START_MONTH": "soon"}, "not a date"),
        ({"FINOPS_SENSOR_RECENT_MONTHS": "three"}, "FINOPS_SENSOR_RECENT_MONTHS='three' is not an integer"),
        ({"FINOPS_SENSOR_RECENT_MONTHS": "0"}, "must be at least 1"),
        ({"FINOPS_SENSOR_FULL_RESCAN_HOURS": "daily"}, "is not a number"),
    ],
)
def test_bad_values_are_rejected_with_the_variable_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


def test_sensor_and_alert_settings_are_read():
    settings = load_settings({
        "FINOPS_SENSOR_RECENT_MONTHS": "2", "FINOPS_SENSOR_FULL_RESCAN_HOURS": "12.5", "FINOPS_SENSOR_INTERVAL_SECONDS": "30",
        "FINOPS_SLACK_TOKEN": "xoxb-1", "FINOPS_SLACK_CHANNEL": "#finops", "FINOPS_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/h",
    })
    assert (settings.sensor_recent_months, settings.sensor_full_rescan_hours, settings.sensor_interval_seconds) == (2, 12.5, 30)
    assert (settings.slack_token, settings.slack_channel, settings.alert_webhook_url) == ("xoxb-1", "#finops", "http://127.0.0.1:9/h")
