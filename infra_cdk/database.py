"""The database: an existing one (Timescale, by secret ARN) or an RDS PostgreSQL instance created here."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_cdk.nag import acknowledge
from infra_cdk.settings import Settings

# Not 5432: nothing is gained by it (only the functions' security group may connect), but scanners flag it.
RDS_PORT = 5433


class Database(Construct):
    """`secret` holds what `codetime.clients.database_url` reads: a DSN (external) or RDS's JSON (rds)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
    ) -> None:
        super().__init__(scope, id)
        self.instance: rds.DatabaseInstance | None = None
        if settings.database == "external":
            assert settings.database_secret_arn  # Settings guarantees it
            # A complete ARN, so the functions' grants name exactly this secret (no `-??????` wildcard).
            self.secret: secretsmanager.ISecret = secretsmanager.Secret.from_secret_complete_arn(
                self, "Secret", settings.database_secret_arn
            )
            return

        security_group = ec2.SecurityGroup(
            self, "Sg", vpc=vpc, description="CodeTime RDS PostgreSQL", allow_all_outbound=False
        )
        security_group.add_ingress_rule(clients, ec2.Port.tcp(RDS_PORT), "PostgreSQL from the functions")
        # A fixed identifier lets the log group exist (with its retention) before RDS starts writing to it. It is
        # deleted with the stack: a retained group of that fixed name would make the next deploy fail.
        identifier = f"{Stack.of(self).stack_name}-db".lower()
        postgres_logs = logs.LogGroup(
            self,
            "PostgresLogs",
            log_group_name=f"/aws/rds/instance/{identifier}/postgresql",
            retention=settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # dbname in the secret itself: the attachment adds host and port, and database_url() reads all of them.
        credentials = rds.DatabaseSecret(self, "Credentials", username="codetime", dbname="codetime")
        engine = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9)
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            instance_identifier=identifier,
            engine=engine,
            instance_type=ec2.InstanceType(settings.db_instance_type),
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[security_group],
            port=RDS_PORT,
            database_name="codetime",
            credentials=rds.Credentials.from_secret(credentials),
            parameter_group=rds.ParameterGroup(
                self,
                "Parameters",
                engine=engine,
                parameters={"rds.force_ssl": "1", "log_min_duration_statement": "1000"},
            ),  # fmt: skip
            storage_encrypted=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=settings.db_storage_gb,
            max_allocated_storage=settings.db_storage_gb * 5,
            multi_az=settings.db_multi_az,
            backup_retention=Duration.days(settings.db_backup_days),
            deletion_protection=settings.deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
            auto_minor_version_upgrade=True,
            cloudwatch_logs_exports=["postgresql"],
            publicly_accessible=False,
        )
        self.instance.node.add_dependency(postgres_logs)
        assert self.instance.secret  # the attachment: its ARN becomes readable once host and port are in it
        self.secret = self.instance.secret

        acknowledge(
            credentials,
            {
                "AwsSolutions-SMG4": "Not rotated automatically: each function container reads the DSN once, so a "
                "rotation would break its new connections until it is replaced. Rotate by hand in a maintenance "
                "window (new password, then a deploy), until the functions re-read the secret on auth failure.",
            },
        )
        if not settings.db_multi_az:
            acknowledge(
                self.instance,
                {
                    "AwsSolutions-RDS3": "Single-AZ by default to keep a small deployment cheap; "
                    "-c dbMultiAz=true turns on a standby. Backups are on either way.",
                },
            )
        if not settings.deletion_protection:
            acknowledge(
                self.instance,
                {
                    "AwsSolutions-RDS10": "Turned off on request (-c deletionProtection=false, the step before "
                    "`cdk destroy`); the instance still leaves a final snapshot when deleted.",
                },
            )
