"""VPC with private subnets, interface endpoints for the AWS APIs the functions call, optional NAT, flow logs."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct


class Network(Construct):
    """Private subnets for functions, database and cache; without NAT they have no internet route at all."""

    def __init__(self, scope: Construct, id: str, *, nat_gateways: int, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, id)
        private_type = ec2.SubnetType.PRIVATE_WITH_EGRESS if nat_gateways else ec2.SubnetType.PRIVATE_ISOLATED
        subnets = [ec2.SubnetConfiguration(name="private", subnet_type=private_type, cidr_mask=20)]
        if nat_gateways:
            # Public subnets exist only to hold the NAT gateways: nothing else is placed in them.
            subnets.append(ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24))
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=2,
            nat_gateways=nat_gateways,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        self.private_subnets = ec2.SubnetSelection(subnet_type=private_type)

        flow_logs = logs.LogGroup(self, "FlowLogs", retention=log_retention)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

        # Every function shares one security group; the database, cache and endpoints admit only it.
        self.functions_sg = ec2.SecurityGroup(
            self, "FunctionsSg", vpc=self.vpc, description="CodeTime Lambda functions", allow_all_outbound=True
        )
        endpoints_sg = ec2.SecurityGroup(
            self, "EndpointsSg", vpc=self.vpc, description="CodeTime VPC endpoints", allow_all_outbound=False
        )
        endpoints_sg.add_ingress_rule(self.functions_sg, ec2.Port.tcp(443), "HTTPS from the functions")
        # SQS for ingestion, Secrets Manager for every function's secrets: both reachable without NAT.
        self.endpoints = [
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.private_subnets,
                security_groups=[endpoints_sg],
                private_dns_enabled=True,
                open=False,
            )
            for name, service in (
                ("SqsEndpoint", ec2.InterfaceVpcEndpointAwsService.SQS),
                ("SecretsManagerEndpoint", ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
            )
        ]
