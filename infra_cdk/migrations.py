"""Database migrations during `cdk deploy`: a CDK trigger invokes the migrate Lambda (`functions/migrate.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_lambda as lambda_
from aws_cdk import triggers
from constructs import Construct, IConstruct


class Migrations(Construct):
    """Runs `codetime.db.migrate.migrate` whenever the migrate function changes: its code, the shared layer (which
    holds the migration SQL) or its configuration (which database). A failed migration fails the deploy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.Function,
        after: Sequence[IConstruct],
        before: Sequence[IConstruct],
    ) -> None:
        super().__init__(scope, id)
        self.trigger = triggers.Trigger(
            self,
            "Run",
            handler=function,
            # The trigger watches the function's version hash, and the layer is part of it
            # (@aws-cdk/aws-lambda:recognizeLayerVersion in cdk.json): new migrations always run.
            execute_on_handler_change=True,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            timeout=function.timeout,
            # After the database and the network (endpoints, routes) exist; before the functions that need the
            # new schema are updated, so new code never meets an old schema.
            execute_after=list(after),
            execute_before=list(before),
        )
