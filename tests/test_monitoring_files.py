"""The shipped alert rules and Grafana board use only metrics the app really exposes."""
import json
import re
from pathlib import Path

from prometheus_client import generate_latest

from app.extensions import redis_connection
from app.jobs.ledger import verify_ledger_job
from app.services.monitoring.process_metrics import DrainMetrics, WorkerMetrics
from tests.factories import make_conversion
from tests.metrics_helpers import parse, scrape

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
NAME = re.compile(r"\baffiliate_[a-z_]+\b")


def _exposed(client) -> set[str]:
    verify_ledger_job()  # the ledger figures appear once a verification ran
    make_conversion()  # money figures appear per currency once there is money
    client.get("/health")  # and request figures once a request was answered
    assert redis_connection() is not None
    names = {name for name, _labels in scrape(client)}
    for metrics in (DrainMetrics(), WorkerMetrics()):
        if isinstance(metrics, WorkerMetrics):
            metrics.job_done("default", "a_job", "finished", 0.1)
        names |= {name for name, _labels in parse(generate_latest(metrics.registry).decode())}
    return names


def test_every_metric_in_the_alert_rules_and_the_board_is_exposed(client):
    exposed = _exposed(client)
    rules = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    board = json.loads((DEPLOY / "grafana" / "affiliate.json").read_text())
    expressions = [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
    used = set(NAME.findall(rules)) | {name for expr in expressions for name in NAME.findall(expr)}
    assert used, "no metric found in the deploy files"
    assert sorted(used - exposed) == [], sorted(used - exposed)
    board_panels = [panel for panel in board["panels"] if panel["type"] != "row"]
    assert len({panel["id"] for panel in board["panels"]}) == len(board["panels"])
    assert all(panel["datasource"]["uid"] == "affiliate-prometheus" for panel in board_panels)
