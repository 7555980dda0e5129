"""cdk-nag wiring: the AWS Solutions checks, and suppressions that always carry a written reason."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: App) -> None:
    """Run AwsSolutionsChecks at synth: any unsuppressed finding fails the synth (cdk-nag 3.x API)."""
    # The suppressions are also written into the template metadata, so an auditor sees them next to the resource.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Suppress findings (`Rule-ID` or `Rule-ID[finding]`) on `scope` and everything under it, each with a reason."""
    for rule, reason in reasons.items():
        if len(reason.strip()) < 20:
            raise ValueError(f"suppression of {rule} needs a real reason")
        Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
