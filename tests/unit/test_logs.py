from __future__ import annotations

import pytest

from codetime.logs import metrics


def test_disabled_metrics_never_reach_stdout(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(250):  # Powertools prints a metric's buffer at 100 values
        metrics.add_metric(name="HeartbeatsAccepted", unit="Count", value=1)
    assert capsys.readouterr().out == ""


def test_enabled_metrics_are_emitted_as_emf(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()
    metrics.add_metric(name="HeartbeatsAccepted", unit="Count", value=3)
    metrics.flush_metrics()
    out = capsys.readouterr().out
    assert '"HeartbeatsAccepted":[3.0]' in out and '"Namespace":"CodeTime"' in out
