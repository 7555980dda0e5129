"""The HTTP API: every package route to its Lambda, the authorizer only where a person is needed, logs, limits."""

from __future__ import annotations

import json

import pytest
from fastapi.routing import APIRoute

from codetime.api.routes import (
    accounts,
    badges,
    diagnostics,
    goals,
    ingestion,
    insights,
    keys,
    leaders,
    meta,
    metrics,
    ops,
    org_admin,
    orgs,
    public_stats,
    reports,
    stats,
    summaries,
)  # fmt: skip
from codetime.api.routes import settings as user_settings
from infra.conftest import TUNED, Synthesized

pytestmark = pytest.mark.infra

ROUTERS = {
    "Ingestion": (ingestion.router, diagnostics.router),
    "Summary": (summaries.router, stats.router, public_stats.router, goals.router, reports.router, metrics.router,
                leaders.router, meta.router, badges.router, insights.router),
    "Keys": (keys.router, user_settings.router, accounts.router), "Ops": (ops.router,),
}  # fmt: skip
# Teams (issue 12): reads in the summary Lambda, management in the keys Lambda.
ROUTERS["Summary"] += (orgs.router,)
ROUTERS["Keys"] += (org_admin.router,)


def _package_routes() -> dict[str, str]:
    """'METHOD /path' -> the function that must serve it, straight from the FastAPI routers."""
    return {
        f"{method} {route.path}": function
        for function, routers in ROUTERS.items()
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def _routes(synth: Synthesized) -> dict[str, dict]:
    http_api = synth.logical_id("CodeTime/Api/", "AWS::ApiGatewayV2::Api")
    return {
        r["Properties"]["RouteKey"]: r["Properties"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == {"Ref": http_api}  # not the live WebSocket API's routes
    }  # fmt: skip


def _function_of(synth: Synthesized, route: dict) -> str:
    integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
    integration = synth.template["Resources"][integration_id]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0" and integration["IntegrationType"] == "AWS_PROXY"
    uri = integration["IntegrationUri"]
    if "Ref" in uri:  # SnapStart: the function's `live` alias (tests/infra/test_snapstart.py)
        alias = synth.template["Resources"][uri["Ref"]]
        assert alias["Type"] == "AWS::Lambda::Alias"
        target = alias["Properties"]["FunctionName"]["Ref"]
    else:
        target = uri["Fn::GetAtt"][0]
    return next(name for name in ROUTERS if target == synth.logical_id(f"/Functions/{name}/", "AWS::Lambda::Function"))


def test_every_package_route_reaches_its_function(any_variant: Synthesized) -> None:
    expected = _package_routes()
    routes = _routes(any_variant)
    assert set(routes) == set(expected)
    for key, function in expected.items():
        assert _function_of(any_variant, routes[key]) == function, key


def test_wakatime_and_wakapi_aliases_are_served(rds: Synthesized) -> None:
    routes = _routes(rds)
    for key in (
        "POST /api/v1/users/{user}/heartbeats.bulk",
        "POST /api/v1",  # the legacy CLI posts to api_url verbatim
        "POST /api/heartbeat",
        "POST /api/compat/wakatime/v1/users/{user}/heartbeats.bulk",
        "GET /api/compat/wakatime/v1/users/{user}/statusbar/today",
        "GET /api/v1/users/{user}/statusbar/today",
        "GET /health",
        "GET /api/v1/ops/dlq",
        "PUT /api/v1/users/{user}/reports/settings",
        "GET /api/v1/users/{user}/metrics",
    ):
        assert key in routes, key


def _environment(synth: Synthesized, name: str) -> dict:
    function_id = synth.logical_id(f"/Functions/{name}/", "AWS::Lambda::Function")
    return synth.template["Resources"][function_id]["Properties"]["Environment"]["Variables"]


def test_functions_validate_tokens_so_no_route_is_behind_the_gateway_authorizer(any_variant: Synthesized) -> None:
    # Every route also accepts API keys (plugins; scripts managing keys), which a JWT authorizer would block.
    assert not any_variant.resources("AWS::ApiGatewayV2::Authorizer")
    for key, route in _routes(any_variant).items():
        assert route["AuthorizationType"] == "NONE" and "AuthorizerId" not in route, key
    for name in ROUTERS:
        env = _environment(any_variant, name)
        assert {"CODETIME_OIDC_ISSUER", "CODETIME_OIDC_AUDIENCE"} <= set(env), name


def test_cognito_by_default_external_issuer_by_context(rds: Synthesized, external: Synthesized) -> None:
    env = _environment(rds, "Keys")
    pool = rds.logical_id("/Identity/Users/", "AWS::Cognito::UserPool")
    client = rds.logical_id("/Identity/Users/Dashboard/", "AWS::Cognito::UserPoolClient")
    assert "cognito-idp." in json.dumps(env["CODETIME_OIDC_ISSUER"])
    assert {"Ref": pool} in env["CODETIME_OIDC_ISSUER"]["Fn::Join"][1]
    assert env["CODETIME_OIDC_AUDIENCE"] == {"Ref": client}
    assert json.dumps(env["CODETIME_OIDC_JWKS_URL"]).endswith('/.well-known/jwks.json"]]}')
    user_pool = rds.one("AWS::Cognito::UserPool")["Properties"]
    assert user_pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert user_pool["MfaConfiguration"] == "ON"
    assert not external.resources("AWS::Cognito::UserPool")
    env = _environment(external, "Keys")
    assert env["CODETIME_OIDC_ISSUER"] == "https://id.example.com/"
    assert env["CODETIME_OIDC_AUDIENCE"] == "codetime-dashboard,codetime-cli"
    assert "CODETIME_OIDC_JWKS_URL" not in env  # found through the issuer's discovery document


def test_stage_throttling(rds: Synthesized, tuned: Synthesized) -> None:
    for synth, rate, burst in ((rds, 100, 200), (tuned, 40, 80)):
        stage = synth.at("CodeTime/Api/", "AWS::ApiGatewayV2::Stage")["Properties"]
        assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
        assert stage["DefaultRouteSettings"] == {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}


def test_access_logs_never_contain_query_strings(any_variant: Synthesized) -> None:
    settings = any_variant.at("CodeTime/Api/", "AWS::ApiGatewayV2::Stage")["Properties"]["AccessLogSettings"]
    log_group = any_variant.logical_id("/Api/AccessLogs/", "AWS::Logs::LogGroup")
    assert settings["DestinationArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    fields = json.loads(settings["Format"])
    assert fields["requestId"] == "$context.requestId" and fields["path"] == "$context.path"
    lowered = settings["Format"].lower()
    # `?api_key=` may carry a key: nothing that can hold the query string or request headers/body is logged.
    for forbidden in ("query", "$request.", "$input", "authorization", "api_key", "requestoverride", "$context.uri"):
        assert forbidden not in lowered, forbidden


def test_cors(rds: Synthesized, tuned: Synthesized) -> None:
    cors = rds.at("CodeTime/Api/", "AWS::ApiGatewayV2::Api")["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"] and "authorization" in cors["AllowHeaders"]
    assert set(cors["AllowMethods"]) == {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}  # PUT: report settings
    cors = tuned.at("CodeTime/Api/", "AWS::ApiGatewayV2::Api")["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == TUNED["corsAllowOrigins"].split(",")


def test_outputs_give_the_api_url_and_the_wakatime_cfg_line(rds: Synthesized, external: Synthesized) -> None:
    outputs = rds.template["Outputs"]
    url = outputs["ApiUrl"]["Value"]["Fn::Join"][1]
    assert url[0] == "https://" and url[-1] == {"Ref": "AWS::URLSuffix"}
    line = outputs["WakatimeCfg"]["Value"]["Fn::Join"][1]
    assert line[0] == "api_url = https://" and line[-1] == "/api/v1"
    # With a custom domain the URL is plain text, and the DNS target is an output too.
    outputs = external.template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == "https://codetime.example.com"
    assert outputs["WakatimeCfg"]["Value"] == "api_url = https://codetime.example.com/api/v1"
    assert "CustomDomainTarget" in outputs and "CustomDomainTarget" not in rds.template["Outputs"]


def test_custom_domain_by_context(rds: Synthesized, external: Synthesized) -> None:
    assert not rds.resources("AWS::ApiGatewayV2::DomainName")
    domain = external.one("AWS::ApiGatewayV2::DomainName")["Properties"]
    assert domain["DomainName"] == "codetime.example.com"
    assert domain["DomainNameConfigurations"][0]["SecurityPolicy"] == "TLS_1_2"
    assert external.one("AWS::ApiGatewayV2::ApiMapping")["Properties"]["Stage"]
