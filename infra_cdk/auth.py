"""Who may call the person-only routes: a Cognito user pool made here, or an external OIDC issuer by context."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra_cdk.nag import acknowledge
from infra_cdk.settings import Settings


class Identity(Construct):
    """Who signs people in. `environment` tells the functions which tokens to accept (they validate every token
    themselves: routes that also accept API keys cannot sit behind the gateway's authorizer); `authorizer` is the
    HTTP API JWT authorizer for routes that accept a person's token only."""

    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id)
        self.user_pool: cognito.UserPool | None = None
        self.client: cognito.UserPoolClient | None = None
        # What the dashboard signs in with (config.json): the issuer, its app client, Cognito's hosted domain.
        self.issuer: str | None = settings.jwt_issuer
        self.dashboard_client_id: str | None = _dashboard_client(settings.jwt_audience)
        self.domain_url: str | None = None
        admins = {"CODETIME_ADMINS": ",".join(settings.admins)} if settings.admins else {}
        if settings.jwt_issuer:
            self.authorizer: apigwv2.IHttpRouteAuthorizer = authorizers.HttpJwtAuthorizer(
                "Jwt", settings.jwt_issuer, jwt_audience=list(settings.jwt_audience)
            )
            self.environment = {
                "CODETIME_OIDC_ISSUER": settings.jwt_issuer,
                "CODETIME_OIDC_AUDIENCE": ",".join(settings.jwt_audience),
                **admins,
            }
            return

        self.user_pool = cognito.UserPool(
            self,
            "Users",
            # Accounts are created by an administrator: CodeTime is a team's own deployment, not a public sign-up.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            standard_attributes=cognito.StandardAttributes(email=cognito.StandardAttribute(required=True)),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),  # fmt: skip
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "Dashboard",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
        )
        self.authorizer = authorizers.HttpUserPoolAuthorizer("Cognito", self.user_pool, user_pool_clients=[self.client])
        issuer = f"https://cognito-idp.{Stack.of(self).region}.amazonaws.com/{self.user_pool.user_pool_id}"
        # Cognito's hosted sign-in pages (the authorization and token endpoints the dashboard's code flow uses),
        # on a prefix unique per stack and account.
        stack = Stack.of(self)
        domain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{stack.stack_name.lower()}-{stack.account}"),
        )
        self.issuer, self.dashboard_client_id, self.domain_url = (
            issuer,
            self.client.user_pool_client_id,
            domain.base_url(),
        )
        self.environment = {
            "CODETIME_OIDC_ISSUER": issuer,
            "CODETIME_OIDC_AUDIENCE": self.client.user_pool_client_id,
            "CODETIME_OIDC_JWKS_URL": f"{issuer}/.well-known/jwks.json",
            **admins,
        }
        acknowledge(
            self.user_pool,
            {
                "AwsSolutions-COG8": "Essentials plan, not Plus: Plus (threat protection) is billed per active user; "
                "sign-up is closed and MFA is required, which covers the risks it targets for a team deployment.",
            },
        )

    def allow_dashboard(self, url: str) -> None:
        """Let the dashboard at `url` sign people in: the authorization code flow (the app adds PKCE) back to
        `url`/callback, on Cognito's hosted pages. Set on the app client once the dashboard's URL is known (the
        client is made before the API and the distribution that follow from it)."""
        if self.client is None:
            return
        client: cognito.CfnUserPoolClient = self.client.node.default_child  # type: ignore[assignment]
        client.allowed_o_auth_flows_user_pool_client = True
        client.allowed_o_auth_flows = ["code"]
        client.allowed_o_auth_scopes = ["openid", "email", "profile"]
        client.callback_ur_ls = [f"{url}/callback"]
        client.logout_ur_ls = [f"{url}/"]
        client.supported_identity_providers = ["COGNITO"]


def _dashboard_client(audience: tuple[str, ...]) -> str | None:
    """The external issuer's app client for the dashboard: `codetime-dashboard` when listed, else the first."""
    if not audience:
        return None
    return "codetime-dashboard" if "codetime-dashboard" in audience else audience[0]
