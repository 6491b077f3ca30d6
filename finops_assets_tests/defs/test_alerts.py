"""Alert sensors against a real Dagster instance: failed ERROR checks and failed runs become webhook
notifications (a real HTTP server on 127.0.0.1) naming the asset, partition, check and description."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType

from finops_assets.defs.alerts import LogNotifier, SlackNotifier, WebhookNotifier, build_alert_sensors, choose_notifier
from finops_assets.settings import Settings

PARTITIONS = dg.MonthlyPartitionsDefinition(start_date="2025-01-01")


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@dg.asset(
    partitions_def=PARTITIONS,
    check_specs=[
        dg.AssetCheckSpec("totals_reconcile", asset="toy_costs"),
        dg.AssetCheckSpec("no_negative_hours", asset="toy_costs"),
        dg.AssetCheckSpec("row_count_warning", asset="toy_costs"),
        dg.AssetCheckSpec("currency_known", asset="toy_costs"),
    ],
)
def toy_costs():
    yield dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(check_name="totals_reconcile", passed=False, description="billed 10.5 != raw 10.6"),
            dg.AssetCheckResult(check_name="no_negative_hours", passed=False, description="3 negative hours"),
            dg.AssetCheckResult(check_name="row_count_warning", passed=False, severity=dg.AssetCheckSeverity.WARN),
            dg.AssetCheckResult(check_name="currency_known", passed=True),
        ]
    )


@dg.asset(partitions_def=PARTITIONS)
def toy_broken():
    raise ValueError("manifest exploded")


def sensors_for(url: str) -> dict[str, dg.SensorDefinition]:
    return {s.name: s for s in build_alert_sensors(Settings(alert_webhook_url=url))}


def finished_run_context(instance: dg.DagsterInstance, run_id: str, status_event: DagsterEventType):
    (event,) = instance.get_records_for_run(run_id, of_type=status_event).records
    return dg.build_run_status_sensor_context(
        sensor_name="alerts", dagster_event=event.event_log_entry.dagster_event,
        dagster_instance=instance, dagster_run=instance.get_run_by_id(run_id),
    )


def test_one_notification_per_failed_error_check(webhook):
    url, received = webhook
    sensor = sensors_for(url)["asset_check_failure_alerts"]
    with dg.instance_for_test() as instance:
        result = dg.materialize([toy_costs], partition_key="2025-09-01", instance=instance)
        sensor(finished_run_context(instance, result.run_id, DagsterEventType.RUN_SUCCESS))
    assert sorted(r["check"] for r in received) == ["no_negative_hours", "totals_reconcile"]
    for message in received:
        assert message["asset"] == "toy_costs" and message["partition"] == "2025-09-01"
        assert message["kind"] == "asset check failed" and message["run_id"] == result.run_id
        assert message["description"] in message["text"]
    assert {r["description"] for r in received} == {"billed 10.5 != raw 10.6", "3 negative hours"}


def test_failed_run_is_notified_with_its_asset_and_partition(webhook):
    url, received = webhook
    sensor = sensors_for(url)["run_failure_alerts"]
    with dg.instance_for_test() as instance:
        result = dg.materialize([toy_broken], partition_key="2025-10-01", instance=instance, raise_on_error=False)
        sensor(finished_run_context(instance, result.run_id, DagsterEventType.RUN_FAILURE).for_run_failure())
    (message,) = received
    assert message["kind"] == "run failed" and message["asset"] == "toy_broken" and message["partition"] == "2025-10-01"
    assert message["run_id"] == result.run_id and "manifest exploded" in message["description"]


def test_notifier_follows_configuration():
    log = dg.get_dagster_logger()
    assert isinstance(choose_notifier(Settings(slack_token="xoxb-test", slack_channel="#finops"), log), SlackNotifier)
    assert isinstance(choose_notifier(Settings(slack_token="xoxb-test", alert_webhook_url="http://127.0.0.1:9/h"), log), WebhookNotifier)
    assert isinstance(choose_notifier(Settings(), log), LogNotifier)
