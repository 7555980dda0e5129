"""Network, database (both modes) and cache, as synthesized."""

from __future__ import annotations

import json

import pytest

from infra.conftest import EXTERNAL_SECRET_ARN, Synthesized
from infra_cdk.cache import CACHE_PORT
from infra_cdk.database import RDS_PORT

pytestmark = pytest.mark.infra


def _private_subnets(synth: Synthesized) -> set[str]:
    subnets = synth.resources("AWS::EC2::Subnet").items()
    return {k for k, v in subnets if "/privateSubnet" in v["Metadata"]["aws:cdk:path"]}


def test_private_subnets_endpoints_and_flow_logs(any_variant: Synthesized) -> None:
    endpoints = [e for e in any_variant.resources("AWS::EC2::VPCEndpoint").values()
                 if e["Properties"].get("VpcEndpointType") == "Interface"]  # fmt: skip
    # ServiceName is com.amazonaws.<region>.<service>, joined with the region's Ref.
    assert {e["Properties"]["ServiceName"]["Fn::Join"][1][-1] for e in endpoints} == {".sqs", ".secretsmanager"}
    # And one gateway endpoint, for the live registry (infra_cdk/live.py; tests/infra/test_stack_live.py).
    gateways = [e for e in any_variant.resources("AWS::EC2::VPCEndpoint").values() if e not in endpoints]
    assert [g["Properties"]["ServiceName"]["Fn::Join"][1][-1] for g in gateways] == [".dynamodb"]
    assert all(e["Properties"]["PrivateDnsEnabled"] and e["Properties"]["VpcEndpointType"] == "Interface"
               for e in endpoints)  # fmt: skip
    flow_log = any_variant.one("AWS::EC2::FlowLog")["Properties"]
    assert flow_log["TrafficType"] == "ALL" and flow_log["LogDestinationType"] == "cloud-watch-logs"
    subnets = any_variant.resources("AWS::EC2::Subnet").values()
    private = [s for s in subnets if not s["Properties"].get("MapPublicIpOnLaunch")]
    assert len(private) == 2  # two AZs


def test_no_nat_means_no_internet_route_at_all(rds: Synthesized) -> None:
    assert not rds.resources("AWS::EC2::NatGateway")
    assert not rds.resources("AWS::EC2::InternetGateway")
    assert all(not s["Properties"].get("MapPublicIpOnLaunch") for s in rds.resources("AWS::EC2::Subnet").values())


def test_nat_gateways_by_context(external: Synthesized, tuned: Synthesized) -> None:
    assert len(external.resources("AWS::EC2::NatGateway")) == 1  # external database default: reachable via NAT
    assert len(tuned.resources("AWS::EC2::NatGateway")) == 2


def test_rds_is_encrypted_backed_up_private_and_tls_only(rds: Synthesized) -> None:
    db = rds.one("AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres" and props["StorageEncrypted"] is True
    assert props["BackupRetentionPeriod"] == 7 and props["DeletionProtection"] is True
    assert props["PubliclyAccessible"] is False and props["MultiAZ"] is False
    assert props["Port"] == str(RDS_PORT) and props["DBName"] == "codetime"
    assert db["DeletionPolicy"] == "Snapshot"
    params = rds.one("AWS::RDS::DBParameterGroup")["Properties"]["Parameters"]
    assert params["rds.force_ssl"] == "1"
    subnet_group = rds.one("AWS::RDS::DBSubnetGroup")["Properties"]["SubnetIds"]
    assert {ref["Ref"] for ref in subnet_group} == _private_subnets(rds)
    credentials = rds.template["Resources"][rds.logical_id("/Database/Credentials/", "AWS::SecretsManager::Secret")]
    template = json.loads(credentials["Properties"]["GenerateSecretString"]["SecretStringTemplate"])
    assert template == {"username": "codetime", "dbname": "codetime"}


def test_rds_options_from_context(tuned: Synthesized) -> None:
    db = tuned.one("AWS::RDS::DBInstance")["Properties"]
    assert db["MultiAZ"] is True and db["DeletionProtection"] is False and db["BackupRetentionPeriod"] == 14


def test_rds_only_admits_the_functions(rds: Synthesized) -> None:
    ingress = [
        r["Properties"] for r in rds.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("FromPort") == RDS_PORT
    ]  # fmt: skip
    functions_sg = rds.logical_id("/Network/FunctionsSg/", "AWS::EC2::SecurityGroup")
    assert len(ingress) == 1 and ingress[0]["SourceSecurityGroupId"] == {"Fn::GetAtt": [functions_sg, "GroupId"]}


def test_external_database_uses_the_given_secret_and_creates_none(external: Synthesized) -> None:
    assert not external.resources("AWS::RDS::DBInstance")
    env = external.function("Writer")["Properties"]["Environment"]["Variables"]
    assert env["DATABASE_SECRET_ARN"] == EXTERNAL_SECRET_ARN and env["CODETIME_TIMESCALE"] == "auto"
    # The grant names exactly that secret: no "-??????" wildcard, no "*".
    granted = json.dumps([p["Properties"]["PolicyDocument"] for p in external.resources("AWS::IAM::Policy").values()])
    assert EXTERNAL_SECRET_ARN in granted and EXTERNAL_SECRET_ARN + "-??????" not in granted


def test_rds_mode_runs_plain_postgresql(rds: Synthesized) -> None:
    assert rds.function("Migrate")["Properties"]["Environment"]["Variables"]["CODETIME_TIMESCALE"] == "off"


def test_cache_tls_at_rest_auth_private(any_variant: Synthesized) -> None:
    group = any_variant.one("AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert group["TransitEncryptionEnabled"] is True and group["TransitEncryptionMode"] == "required"
    assert group["AtRestEncryptionEnabled"] is True and group["Port"] == CACHE_PORT
    token_secret = any_variant.logical_id("/Cache/AuthToken/", "AWS::SecretsManager::Secret")
    # AUTH comes from the generated secret as a dynamic reference: never a literal in the template.
    assert group["AuthToken"] == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": token_secret}, ":SecretString:::}}"]]
    }
    subnets = any_variant.one("AWS::ElastiCache::SubnetGroup")["Properties"]["SubnetIds"]
    assert {ref["Ref"] for ref in subnets} == _private_subnets(any_variant)


def test_cache_replicas_turn_on_failover(rds: Synthesized, tuned: Synthesized) -> None:
    single = rds.one("AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert (single["NumCacheClusters"], single["MultiAZEnabled"]) == (1, False)
    pair = tuned.one("AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert (pair["NumCacheClusters"], pair["MultiAZEnabled"], pair["AutomaticFailoverEnabled"]) == (2, True, True)
