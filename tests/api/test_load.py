"""The bounded load script: a short run against a real `esicheck serve` has zero errors, and
it refuses targets that are not loopback. (The 60 s, 50-client run is manual; see README.)"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import _register_modules, app
from api.loadtest import LoadResult, LoadTestError, check_loopback, load

from .serving import served

_register_modules()


def test_short_load_run_against_a_served_app_has_no_errors(tmp_path):
    with served(
        tmp_path, env={"ESICHECK_RATE_LIMIT_PER_MINUTE": "0"}, log_level="warning"
    ) as service:
        result = load(service.url, service.key, clients=5, seconds=3, max_requests=400)
        cli = CliRunner().invoke(
            app,
            [
                "loadtest",
                "--url",
                service.url,
                "--key",
                service.key,
                "--clients",
                "2",
                "--seconds",
                "1",
            ],
        )
        budget = load(service.url, service.key, clients=3, seconds=30, max_requests=6)
    assert result.requests > 0 and result.errors == 0, result.to_dict()
    assert set(result.statuses) <= {200, 201}
    assert result.percentile(0.99) >= result.percentile(0.5) > 0
    assert cli.exit_code == 0, cli.output
    report = json.loads(cli.stdout)
    assert report["errors"] == 0 and report["requests"] > 0
    assert {"throughput_rps", "p50_ms", "p99_ms"} <= report.keys()
    assert budget.requests <= 6 and budget.errors == 0  # stops at the request budget


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "https://example.com", "http://"])
def test_only_loopback_targets_are_accepted(url):
    with pytest.raises(LoadTestError):
        check_loopback(url)
    result = CliRunner().invoke(app, ["loadtest", "--url", url, "--key", "k", "--seconds", "1"])
    assert result.exit_code == 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8"])
def test_loopback_targets_are_accepted(url):
    check_loopback(url)


def test_percentiles_and_errors_are_computed_from_the_samples():
    result = LoadResult(clients=1, seconds=2.0, latencies=[i / 1000 for i in range(1, 101)])
    result.statuses.update({201: 99, 503: 1})
    assert result.errors == 1 and result.throughput == 50.0
    assert result.percentile(0.5) == pytest.approx(0.0505, abs=0.001)
    assert result.percentile(0.99) == pytest.approx(0.099, abs=0.0015)
