"""The dashboard on AWS, as synthesized: a private bucket behind CloudFront (OAC), the HTTP API as the /api/* origin,
the SPA rewrite (run in node), security headers, a deploy that invalidates, config.json, Cognito's code flow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.conftest import Synthesized
from infra_cdk.dashboard import SPA_REWRITE, content_security_policy

pytestmark = pytest.mark.infra
# AWS's managed policies (fixed ids): CachingOptimized, CachingDisabled, AllViewerExceptHostHeader.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(synth: Synthesized) -> dict[str, Any]:
    return synth.one("AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]


def _behaviors(synth: Synthesized) -> dict[str, dict[str, Any]]:
    config = _distribution(synth)
    return {"default": config["DefaultCacheBehavior"], **{b["PathPattern"]: b for b in config["CacheBehaviors"]}}


def _origins(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {o["Id"]: o for o in _distribution(synth)["Origins"]}


def _assets_bucket(synth: Synthesized) -> str:
    return synth.logical_id("/Dashboard/Assets/", "AWS::S3::Bucket")


def test_bucket_is_private_encrypted_tls_only_and_logged(any_variant: Synthesized) -> None:
    bucket_id = _assets_bucket(any_variant)
    logs_id = any_variant.logical_id("/Dashboard/Logs/", "AWS::S3::Bucket")
    for logical_id in (bucket_id, logs_id):
        props = any_variant.template["Resources"][logical_id]["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }  # fmt: skip
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "AES256"
        }
    bucket = any_variant.template["Resources"][bucket_id]["Properties"]
    assert bucket["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": logs_id}, "LogFilePrefix": "s3/"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in bucket  # served through CloudFront only, never as an S3 website
    policies = [p["Properties"] for p in any_variant.resources("AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": bucket_id}]  # fmt: skip
    assert len(policies) == 1
    statements = policies[0]["PolicyDocument"]["Statement"]
    deny_plain = [s for s in statements if s["Effect"] == "Deny"]
    assert deny_plain and deny_plain[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    # Only CloudFront, only this distribution (OAC signs its requests), only reads.
    assert len(allowed) == 1 and allowed[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allowed[0]["Action"] == "s3:GetObject"
    distribution_id = any_variant.logical_id("/Dashboard/Distribution/", "AWS::CloudFront::Distribution")
    assert distribution_id in json.dumps(allowed[0]["Condition"]["StringEquals"]["AWS:SourceArn"])


def test_two_origins_bucket_by_oac_api_by_its_own_host(any_variant: Synthesized) -> None:
    oac = any_variant.one("AWS::CloudFront::OriginAccessControl")["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3" and oac["SigningBehavior"] == "always"
    assert oac["SigningProtocol"] == "sigv4"
    origins = _origins(any_variant)
    assert len(origins) == 2
    bucket = next(o for o in origins.values() if "S3OriginConfig" in o)
    assert bucket["DomainName"] == {"Fn::GetAtt": [_assets_bucket(any_variant), "RegionalDomainName"]}
    assert "Fn::GetAtt" in bucket["OriginAccessControlId"] and bucket["S3OriginConfig"]["OriginAccessIdentity"] == ""
    api = next(o for o in origins.values() if "CustomOriginConfig" in o)
    http_api = any_variant.logical_id("/Api/HttpApi/", "AWS::ApiGatewayV2::Api")
    assert api["DomainName"]["Fn::Join"][1][0] == {"Ref": http_api}
    assert ".execute-api." in api["DomainName"]["Fn::Join"][1]
    assert api["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}


def test_behaviors_api_uncached_with_every_method_and_header_site_rewritten(any_variant: Synthesized) -> None:
    behaviors = _behaviors(any_variant)
    assert set(behaviors) == {"default", "/api/*", "/docs*", "/redoc*"}
    origins = _origins(any_variant)
    api = behaviors["/api/*"]
    assert "CustomOriginConfig" in origins[api["TargetOriginId"]]
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == CACHING_DISABLED
    # Authorization, every other header but Host, and every query string reach the API.
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert api["ViewerProtocolPolicy"] == "https-only"  # a redirect would turn a POST into a GET
    assert "FunctionAssociations" not in api  # API 404s stay the API's JSON
    rewrite = any_variant.logical_id("/Dashboard/SpaRewrite/", "AWS::CloudFront::Function")
    for pattern in ("default", "/docs*", "/redoc*"):
        site = behaviors[pattern]
        assert "S3OriginConfig" in origins[site["TargetOriginId"]], pattern
        assert site["CachePolicyId"] == CACHING_OPTIMIZED and site["ViewerProtocolPolicy"] == "redirect-to-https"
        assert site["FunctionAssociations"] == [
            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [rewrite, "FunctionARN"]}}
        ]
    config = _distribution(any_variant)
    assert "CustomErrorResponses" not in config  # they would turn the API's 403/404 into index.html
    assert config["DefaultRootObject"] == "index.html" and config["Enabled"] is True
    logs = any_variant.logical_id("/Dashboard/Logs/", "AWS::S3::Bucket")
    assert config["Logging"] == {"Bucket": {"Fn::GetAtt": [logs, "RegionalDomainName"]}, "Prefix": "cloudfront/"}
    function = any_variant.template["Resources"][rewrite]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and function["AutoPublish"] is True


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/", "/index.html"), ("/callback", "/index.html"), ("/projects/alpha", "/index.html"),
        ("/settings/keys/", "/index.html"), ("/assets/index-Bb6j7xc2.js", "/assets/index-Bb6j7xc2.js"),
        ("/config.json", "/config.json"), ("/openapi.json", "/openapi.json"), ("/docs", "/docs/index.html"),
        ("/docs/", "/docs/index.html"), ("/redoc", "/redoc/index.html"),
        ("/docs/assets/vendor/swagger-ui.css", "/docs/assets/vendor/swagger-ui.css"),
        ("/projects/codetime.io", "/index.html"), ("/favicon.ico", "/favicon.ico"),
    ],
)  # fmt: skip
def test_spa_rewrite_function_in_node(uri: str, expected: str) -> None:
    """The CloudFront Function's own code, run by node on a viewer-request event of CloudFront's shape."""
    node = shutil.which("node")
    assert node, "node is needed (it runs the CDK CLI too)"
    event = {"version": "1.0", "request": {"method": "GET", "uri": uri, "querystring": {}, "headers": {}}}
    script = f"{SPA_REWRITE}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(out)["uri"] == expected


def _csp(synth: Synthesized, name: str) -> str:
    policy = synth.template["Resources"][
        synth.logical_id(f"/Dashboard/{name}/", "AWS::CloudFront::ResponseHeadersPolicy")
    ]
    security = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Override": True,
    }  # fmt: skip
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    csp = security["ContentSecurityPolicy"]
    assert csp["Override"] is True
    text = csp["ContentSecurityPolicy"]
    return (
        text if isinstance(text, str) else "".join(p if isinstance(p, str) else "<token>" for p in text["Fn::Join"][1])
    )


def test_security_headers_on_the_site_and_the_api(rds: Synthesized, external: Synthesized) -> None:
    behaviors = _behaviors(rds)
    headers = rds.logical_id("/Dashboard/Headers/", "AWS::CloudFront::ResponseHeadersPolicy")
    docs = rds.logical_id("/Dashboard/DocsHeaders/", "AWS::CloudFront::ResponseHeadersPolicy")
    assert behaviors["default"]["ResponseHeadersPolicyId"] == {"Ref": headers}
    assert behaviors["/api/*"]["ResponseHeadersPolicyId"] == {"Ref": headers}
    assert behaviors["/docs*"]["ResponseHeadersPolicyId"] == {"Ref": docs}
    site = _csp(rds, "Headers")
    directives = dict(d.strip().split(" ", 1) for d in site.split(";"))
    assert directives["default-src"] == directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    # Cognito: the issuer's discovery document and the hosted domain's token endpoint; the live WebSocket API.
    assert directives["connect-src"] == (
        "'self' https://cognito-idp.<token>.<token> https://<token>.auth.<token>.amazoncognito.com"
        " wss://<token>.execute-api.<token>.<token>/live"
    )
    assert "unsafe-inline" in _csp(rds, "DocsHeaders") and "unsafe-inline" not in site
    external_site = dict(d.strip().split(" ", 1) for d in _csp(external, "Headers").split(";"))
    assert (
        external_site["connect-src"] == "'self' https://id.example.com wss://<token>.execute-api.<token>.<token>/live"
    )


def test_content_security_policy_adds_the_live_socket() -> None:
    csp = content_security_policy(["wss://live.example.com/v1"])
    assert "connect-src 'self' wss://live.example.com/v1;" in csp
    assert "connect-src 'self';" in content_security_policy([])


def _config(synth: Synthesized) -> tuple[dict[str, Any], dict[str, Any]]:
    """config.json as the deployment writes it: (its JSON with markers, the markers' deploy-time values)."""
    deployment = synth.one("Custom::CDKBucketDeployment")["Properties"]
    for index, key in enumerate(deployment["SourceObjectKeys"]):
        staged = synth.outdir / f"asset.{key.removesuffix('.zip')}" / "config.json"
        if staged.is_file():
            return json.loads(staged.read_text()), deployment["SourceMarkers"][index]
    raise AssertionError("no config.json among the deployment's sources")


def test_deploy_invalidates_and_writes_config_json(rds: Synthesized, external: Synthesized) -> None:
    deployment = rds.one("Custom::CDKBucketDeployment")["Properties"]
    distribution = rds.logical_id("/Dashboard/Distribution/", "AWS::CloudFront::Distribution")
    assert deployment["DistributionId"] == {"Ref": distribution} and deployment["DistributionPaths"] == ["/*"]
    assert deployment["DestinationBucketName"] == {"Ref": _assets_bucket(rds)} and deployment["Prune"] is True
    assert deployment["SystemMetadata"]["cache-control"].startswith("public, max-age=0, must-revalidate")
    assert len(deployment["SourceObjectKeys"]) == 3  # the app (or its placeholder), the API docs, config.json
    config, markers = _config(rds)
    assert set(config) == {"oidc", "live_url", "api_base"}
    # The live WebSocket API's stage URL (the Live construct's), resolved at deploy.
    assert config["live_url"].startswith("wss://") and config["api_base"] == "/api/v1"
    assert config["oidc"]["scope"] == "openid email profile"
    values = {marker: json.dumps(value) for marker, value in markers.items()}
    live_api = rds.logical_id("/Live/", "AWS::ApiGatewayV2::Api")
    assert f'"Ref": "{live_api}"' in "".join(
        values[m] for m in re.findall(r"<<marker:0xbaba:\d+>>", config["live_url"])
    )
    client = rds.logical_id("/Identity/Users/Dashboard/", "AWS::Cognito::UserPoolClient")
    pool = rds.logical_id("/Identity/Users/", "AWS::Cognito::UserPool")
    assert values[config["oidc"]["client_id"]] == json.dumps({"Ref": client})
    issuer = config["oidc"]["issuer"]
    assert issuer.startswith("https://cognito-idp.") and f'"Ref": "{pool}"' in "".join(
        values[m] for m in re.findall(r"<<marker:0xbaba:\d+>>", issuer)
    )
    external_config, _ = _config(external)
    assert external_config.pop("live_url").startswith("wss://")
    assert external_config == {
        "oidc": {"issuer": "https://id.example.com/", "client_id": "codetime-dashboard",
                 "scope": "openid email profile"},
        "api_base": "/api/v1",
    }  # fmt: skip


def test_deployed_files_hold_the_app_and_offline_docs(rds: Synthesized) -> None:
    deployment = rds.one("Custom::CDKBucketDeployment")["Properties"]
    staged = [rds.outdir / f"asset.{key.removesuffix('.zip')}" for key in deployment["SourceObjectKeys"]]
    files = {str(p.relative_to(d)) for d in staged for p in Path(d).rglob("*") if p.is_file()}
    assert "index.html" in files and "config.json" in files
    for name in ("docs/index.html", "redoc/index.html", "openapi.json", "docs/assets/swagger-init.js",
                 "docs/assets/vendor/swagger-ui-bundle.js", "docs/assets/vendor/redoc.standalone.js"):  # fmt: skip
        assert name in files, name
    docs = next(d for d in staged if (d / "docs" / "index.html").is_file())
    page = (docs / "docs" / "index.html").read_text()
    assert not re.search(r"(?:https?:)?//[A-Za-z0-9.-]+", page)
    schema = json.loads((docs / "openapi.json").read_text())
    assert "/api/v1/users/{user}/statusbar/today" in schema["paths"] and "/api/v1/ops/jobs" in schema["paths"]


def test_cognito_client_allows_the_code_flow_to_the_dashboard(rds: Synthesized, external: Synthesized) -> None:
    client = rds.one("AWS::Cognito::UserPoolClient")["Properties"]
    distribution = rds.logical_id("/Dashboard/Distribution/", "AWS::CloudFront::Distribution")
    domain = {"Fn::GetAtt": [distribution, "DomainName"]}
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert client["CallbackURLs"] == [{"Fn::Join": ["", ["https://", domain, "/callback"]]}]
    assert client["LogoutURLs"] == [{"Fn::Join": ["", ["https://", domain, "/"]]}]
    assert client["GenerateSecret"] is False and client["SupportedIdentityProviders"] == ["COGNITO"]
    pool_domain = rds.one("AWS::Cognito::UserPoolDomain")["Properties"]
    assert pool_domain["Domain"] == {"Fn::Join": ["", ["codetime-", {"Ref": "AWS::AccountId"}]]}
    assert not external.resources("AWS::Cognito::UserPoolDomain")


def test_dashboard_url_is_a_stack_output(any_variant: Synthesized) -> None:
    distribution = any_variant.logical_id("/Dashboard/Distribution/", "AWS::CloudFront::Distribution")
    output = any_variant.template["Outputs"]["DashboardUrl"]
    assert output["Value"] == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}


def test_synth_does_not_need_the_front_end_build(rds: Synthesized) -> None:
    # Without web/dist the bucket gets a one-page placeholder that says how to build it (infra_cdk/dashboard.py).
    deployment = rds.one("Custom::CDKBucketDeployment")["Properties"]
    pages = [rds.outdir / f"asset.{key.removesuffix('.zip')}" / "index.html" for key in deployment["SourceObjectKeys"]]
    index = next(p for p in pages if p.is_file()).read_text()
    root = Path(__file__).resolve().parents[2]
    if (root / "web" / "dist" / "index.html").is_file():
        assert index == (root / "web" / "dist" / "index.html").read_text()
    else:
        assert "make build" in index


def test_live_url_parameter_reaches_config_json_and_the_csp(tmp_path: Path) -> None:
    """The seam for the live construct: its wss:// URL goes into config.json and connect-src."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk.assertions import Template
    from aws_cdk.aws_logs import RetentionDays

    from infra.conftest import EXTERNAL
    from infra_cdk.auth import Identity
    from infra_cdk.dashboard import Dashboard
    from infra_cdk.settings import Settings

    app = App(context=dict(EXTERNAL), outdir=str(tmp_path / "out"))
    stack = Stack(app, "LiveSeam")
    identity = Identity(stack, "Identity", settings=Settings.from_context(app.node))
    dashboard = Dashboard(
        stack, "Dashboard", http_api=apigwv2.HttpApi(stack, "Api"), identity=identity, site_dir=tmp_path / "none",
        docs_dir=tmp_path / "docs", log_retention=RetentionDays.ONE_WEEK, live_url="wss://live.example.com/v1",
    )  # fmt: skip
    assert dashboard.config["live_url"] == "wss://live.example.com/v1"
    template = Template.from_stack(stack).to_json()
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"]
    for policy in policies:
        csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
        assert "connect-src 'self' https://id.example.com wss://live.example.com/v1;" in csp["ContentSecurityPolicy"]
    assert [p.name for p in (tmp_path / "dashboard-placeholder").glob("*/index.html")] == ["index.html"]


def test_staged_directories_are_published_whole_under_concurrent_synths(tmp_path: Path) -> None:
    """Two synths staging the same files at once (the CLI test runs two) each get a complete directory; a reader
    never sees one half-written, and equal content is published once."""
    import threading

    from infra_cdk.dashboard import publish

    started = threading.Barrier(8)
    seen: list[Path] = []

    def write(work: Path) -> None:
        started.wait()  # all eight are mid-write together
        for index in range(50):
            (work / f"file-{index}.txt").write_text("x" * 1000 * index)

    failures: list[BaseException] = []

    def synth() -> None:
        try:
            seen.append(publish(tmp_path / "out", write))
        except BaseException as error:  # noqa: BLE001 (reported below, with the others)
            failures.append(error)

    threads = [threading.Thread(target=synth) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len(seen) == 8 and len(set(seen)) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [seen[0].name]
    assert len(list(seen[0].iterdir())) == 50 and (seen[0] / "file-49.txt").stat().st_size == 49_000

    def write_other(work: Path) -> None:
        (work / "file-0.txt").write_text("changed")

    changed = publish(tmp_path / "out", write_other)
    assert changed != seen[0] and seen[0].is_dir()  # the earlier one may still be read by a running synth
