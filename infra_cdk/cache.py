"""ElastiCache (Valkey) for cached reads and key lookups: TLS, encryption at rest, AUTH, private subnets."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_cdk.nag import acknowledge

# Not 6379: only the functions' security group may connect anyway, but scanners flag default ports.
CACHE_PORT = 6380


class Cache(Construct):
    """`url` (rediss://, no credentials) and `auth_secret` are what `codetime.cache.get_cache` combines at run time."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
        node_type: str,
        replicas: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        # ElastiCache AUTH tokens: 16-128 printable characters without @, " or /; alphanumerics are always safe.
        self.auth_secret = secretsmanager.Secret(
            self,
            "AuthToken",
            description="CodeTime cache AUTH token",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64),
        )
        acknowledge(
            self.auth_secret,
            {
                "AwsSolutions-SMG4": "An AUTH token rotation needs a coordinated ElastiCache modify (ROTATE, then "
                "SET) while functions still hold the old token; done by hand, not by a rotation Lambda.",
            },
        )
        security_group = ec2.SecurityGroup(self, "Sg", vpc=vpc, description="CodeTime cache", allow_all_outbound=False)
        security_group.add_ingress_rule(clients, ec2.Port.tcp(CACHE_PORT), "Valkey from the functions")
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "Subnets",
            description="CodeTime cache subnets",
            subnet_ids=vpc.select_subnets(subnet_type=subnets.subnet_type).subnet_ids,
        )
        slow_log = logs.LogGroup(self, "SlowLog", retention=log_retention)
        self.group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_description="CodeTime cached reads and API key lookups",
            engine="valkey",
            engine_version="8.0",
            cache_node_type=node_type,
            num_cache_clusters=1 + replicas,
            automatic_failover_enabled=replicas > 0,
            multi_az_enabled=replicas > 0,
            port=CACHE_PORT,
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[security_group.security_group_id],
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            # A dynamic reference, resolved by CloudFormation: the token never appears in the template.
            auth_token=self.auth_secret.secret_value.unsafe_unwrap(),
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                )
            ],
        )
        self.url = f"rediss://{self.group.attr_primary_end_point_address}:{self.group.attr_primary_end_point_port}/0"
        # Cluster mode disabled: the primary is member 001 (the CacheHitRate metric is per member).
        self.primary_cluster_id = f"{self.group.ref}-001"
        if replicas == 0:
            acknowledge(
                self.group,
                {
                    "AwsSolutions-AEC4": "One node by default: the cache only speeds reads up and every path works "
                    "without it. -c cacheReplicas=1 adds a replica with Multi-AZ failover.",
                },
            )
