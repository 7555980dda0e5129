"""The HTTP API (payload v2): every route of the package to its Lambda, throttled, access-logged, CORS, domain."""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra_cdk.nag import acknowledge
from infra_cdk.routes import RouteGroup
from infra_cdk.settings import Settings

# Access log fields. Deliberately no query string and no headers but the User-Agent: `?api_key=` is a supported
# way to send a key (browser extension, vscode.dev), so anything that could carry a query must stay out.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "userAgent": "$context.identity.userAgent",
}
# What browsers (vscode.dev, the dashboard) may send cross-origin; User-Agent is not settable by pages anyway.
CORS_HEADERS = ["authorization", "content-type", "x-machine-name", "timezone"]


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    """JSON lines of `fields` into `log_group` (a jsii interface, so a class rather than a dict); the HTTP API's and
    the WebSocket API's stages use it with their own fields."""

    def __init__(self, log_group: logs.ILogGroup, fields: dict[str, str] = ACCESS_LOG_FIELDS) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._fields = fields

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(self._fields, separators=(",", ":")))


class Api(Construct):
    """`url` is the API's base URL (custom domain when given); plugins use `url + /api/v1`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        groups: tuple[RouteGroup, ...],
        functions: Mapping[str, lambda_.IFunction],
        authorizer: apigwv2.IHttpRouteAuthorizer,
    ) -> None:
        super().__init__(scope, id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=Stack.of(self).stack_name,
            description="CodeTime: WakaTime-compatible API",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(settings.cors_allow_origins),
                allow_methods=[
                    apigwv2.CorsHttpMethod.GET,
                    apigwv2.CorsHttpMethod.POST,
                    apigwv2.CorsHttpMethod.PUT,
                    apigwv2.CorsHttpMethod.PATCH,
                    apigwv2.CorsHttpMethod.DELETE,
                    apigwv2.CorsHttpMethod.OPTIONS,
                ],  # fmt: skip
                allow_headers=CORS_HEADERS,
                max_age=Duration.days(1),
            ),
        )
        access_logs = logs.LogGroup(self, "AccessLogs", retention=settings.log_retention)
        domain = self._domain(settings)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=settings.api_throttle_rate, burst_limit=settings.api_throttle_burst
            ),
            access_log_settings=AccessLogSettings(access_logs),
            domain_mapping=apigwv2.DomainMappingOptions(domain_name=domain) if domain else None,
        )
        self.url = f"https://{settings.domain_name}" if domain else self.stage.url.rstrip("/")
        self.domain = domain

        for group in groups:
            # One invoke permission per function (scoped to this API) rather than one per route.
            integration = integrations.HttpLambdaIntegration(
                f"{group.module}-integration",
                functions[group.module],
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
                scope_permission_to_route=False,
            )
            for method, path in group.routes:
                routes = self.http_api.add_routes(
                    path=path,
                    methods=[apigwv2.HttpMethod(method)],
                    integration=integration,
                    authorizer=authorizer if group.needs_person else None,
                )
                if not group.needs_person:
                    for route in routes:
                        acknowledge(
                            route,
                            {
                                "AwsSolutions-APIG4": "The function authenticates every request: API keys "
                                "(Basic/Bearer/?api_key=), as every WakaTime client sends them and a gateway "
                                "authorizer cannot check, and people's OIDC tokens, validated in the function "
                                "against the issuer's JWKS.",
                            },
                        )

    def _domain(self, settings: Settings) -> apigwv2.DomainName | None:
        if not settings.domain_name or not settings.certificate_arn:
            return None
        return apigwv2.DomainName(
            self,
            "Domain",
            domain_name=settings.domain_name,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", settings.certificate_arn),
            security_policy=apigwv2.SecurityPolicy.TLS_1_2,
        )
