"""The web dashboard on AWS: a private S3 bucket behind CloudFront (origin access control), the HTTP API as a second
origin for /api/* so the dashboard and the API share one origin, security headers, and deploys that invalidate.

What the bucket holds (one BucketDeployment, so a deploy replaces all of it and then invalidates `/*`):
  /index.html, /assets/...   web/dist, the single-page app (`make web`); a placeholder page when it is not built
  /config.json               the app's runtime configuration: issuer, app client id, api_base, live_url
  /docs/, /redoc/            the API docs (Swagger UI, ReDoc) on the pinned assets `codetime dev` serves, and
  /openapi.json              the API's schema, generated from the routers at synth (the same routes the API has)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra_cdk.auth import Identity
from infra_cdk.nag import acknowledge

# CloudFront Function (viewer request) on the bucket's behaviors only: the SPA's routes (/callback, /projects/x)
# are served index.html, the docs' directories their index.html. Not on /api/*, whose 404s stay the API's JSON;
# that is also why there are no distribution-wide error responses (they would rewrite the API's 403/404 as well).
SPA_REWRITE = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/docs' || uri === '/docs/') {
    request.uri = '/docs/index.html';
  } else if (uri === '/redoc' || uri === '/redoc/') {
    request.uri = '/redoc/index.html';
  } else if (!(uri.indexOf('/assets/') === 0 || uri.indexOf('/docs/') === 0 || uri.indexOf('/redoc/') === 0 ||
               (uri.lastIndexOf('/') === 0 && uri.indexOf('.') > 0))) {
    // Files are top-level names with a dot (config.json) or under assets/, docs/, redoc/; anything else is one of
    // the app's pages, dots included (/projects/codetime.io).
    request.uri = '/index.html';
  }
  return request;
}
"""
# Browsers revalidate every file on each load (an ETag round trip to the edge); the edge keeps them until the next
# deploy invalidates `/*` (s-maxage is CloudFront's, max-age the browser's). So a deploy is visible at once and an
# old index.html never asks for assets the deploy removed.
CACHE_CONTROL = "public, max-age=0, must-revalidate, s-maxage=604800"
PLACEHOLDER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CodeTime</title></head>
<body><main><h1>CodeTime</h1><p>The dashboard was not built when this stack was synthesized: run
<code>make build</code> (it builds web/dist) and deploy again. The API is at <a href="/docs">/docs</a>.</p>
</main></body>
</html>
"""


def content_security_policy(connect: list[str], *, docs: bool = False) -> str:
    """The dashboard's CSP: everything from this origin only; `connect` adds the sign-in issuer's endpoints and
    the live WebSocket. The API docs' viewers need inline styles (ReDoc's styled-components) and a blob: worker."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *(["'unsafe-inline'"] if docs else [])],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *connect],
        "worker-src": ["'self'", *(["blob:"] if docs else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Dashboard(Construct):
    """`url` is the dashboard's (and, under /api, the API's) HTTPS address on CloudFront."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        http_api: apigwv2.IHttpApi,
        identity: Identity,
        site_dir: Path,
        docs_dir: Path,
        log_retention: logs.RetentionDays,
        live_url: str | None = None,
    ) -> None:
        """`site_dir`: the built app (web/dist); `docs_dir`: where the API docs' files are staged at synth;
        `live_url`: the WebSocket API's wss:// URL when the live construct exists (else config.json says null)."""
        super().__init__(scope, id)
        access_logs = s3.Bucket(
            self, "Logs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True, versioned=False,
            # CloudFront's standard logs are written with an ACL: the bucket must accept ACLs from its owner's
            # services (ObjectWriter), still with every public access blocked.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )  # fmt: skip
        self.bucket = s3.Bucket(
            self, "Assets",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True, object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs, server_access_logs_prefix="s3/",
            # Everything in it is rebuilt from the repository by a deploy; nothing to keep after the stack.
            removal_policy=RemovalPolicy.DESTROY,
        )  # fmt: skip

        connect = self._connect_sources(identity, live_url)
        headers = self._headers_policy("Headers", content_security_policy(connect), "the dashboard")
        docs_headers = self._headers_policy("DocsHeaders", content_security_policy(connect, docs=True), "API docs")
        rewrite = cloudfront.Function(
            self, "SpaRewrite", code=cloudfront.FunctionCode.from_inline(SPA_REWRITE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="CodeTime: SPA routes to /index.html, /docs and /redoc to their index.html",
        )  # fmt: skip
        bucket_origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)

        def site(policy: cloudfront.IResponseHeadersPolicy) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=bucket_origin, viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED, response_headers_policy=policy,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD, compress=True,
                function_associations=[cloudfront.FunctionAssociation(
                    function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            )  # fmt: skip

        # The API's execute-api host (not a custom domain: the origin must answer to the name CloudFront sends).
        api_host = f"{http_api.api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        api = cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(api_host, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                                      origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2]),
            # Every method, nothing cached, and every viewer header (Authorization included), cookie and query
            # string forwarded except Host: API Gateway answers only to its own host name.
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            response_headers_policy=headers,
        )  # fmt: skip
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment="CodeTime dashboard and API",
            default_behavior=site(headers),
            additional_behaviors={"/api/*": api, "/docs*": site(docs_headers), "/redoc*": site(docs_headers)},
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True, log_bucket=access_logs, log_file_prefix="cloudfront/",
        )  # fmt: skip
        acknowledge(
            self.distribution,
            {
                "AwsSolutions-CFR1": "A team's dashboard and API for its members wherever they work; there is no "
                "country to exclude, and the API authenticates every request.",
                "AwsSolutions-CFR2": "No WAF web ACL: it must live in us-east-1 while this stack is region-agnostic, "
                "and is billed per rule; the HTTP API's stage throttling bounds abuse and every API route "
                "authenticates its caller.",
                "AwsSolutions-CFR4": "The distribution answers on CloudFront's default *.cloudfront.net certificate, "
                "whose viewer TLS policy CloudFront fixes; a minimum protocol can only be chosen with a custom "
                "certificate (in us-east-1), which this region-agnostic stack does not create.",
            },
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"
        identity.allow_dashboard(self.url)

        oidc = self._oidc(identity)
        config = {"oidc": oidc, "live_url": live_url, "api_base": "/api/v1"}
        self.config = config
        self.deployment = s3deploy.BucketDeployment(
            self, "Deploy",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(_site_or_placeholder(site_dir, docs_dir.parent / "dashboard-placeholder"))),
                s3deploy.Source.asset(str(stage_docs(docs_dir))),
                # Source.data, not json_data: JSII drops None values, and config.json must say `"live_url": null`.
                # The issuer and client id are deploy-time values, substituted into the text by the deployment.
                s3deploy.Source.data("config.json", json.dumps(config)),
            ],
            # A deploy invalidates everything it may have changed, so the next view is the new build.
            distribution=self.distribution, distribution_paths=["/*"],
            cache_control=[s3deploy.CacheControl.from_string(CACHE_CONTROL)],
            memory_limit=512,
            log_group=logs.LogGroup(self, "DeployLogs", retention=log_retention),
        )  # fmt: skip
        # The deployment's handler is CDK's singleton Lambda (a child of the stack): its role and runtime are CDK's.
        handler = self.deployment.handler_role.node.scope
        acknowledge(
            handler,  # type: ignore[arg-type]
            {
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]": "CDK's BucketDeployment handler: AWS's own minimal policy for "
                "writing its logs, attached by CDK.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]": "CDK's BucketDeployment handler: bucket reads granted "
                "by CDK on exactly CDK's asset bucket and the dashboard bucket.",
                "AwsSolutions-IAM5[Action::s3:GetObject*]": "CDK's BucketDeployment handler reads the deploy's "
                "source zips from CDK's asset bucket and copies into the dashboard bucket, those two only.",
                "AwsSolutions-IAM5[Action::s3:List*]": "CDK's BucketDeployment handler lists the dashboard bucket to "
                "prune what a deploy removed; granted on that bucket and CDK's asset bucket only.",
                "AwsSolutions-IAM5[Action::s3:Abort*]": "CDK's BucketDeployment handler aborts its own failed "
                "multipart uploads, in the dashboard bucket only.",
                "AwsSolutions-IAM5[Action::s3:DeleteObject*]": "CDK's BucketDeployment handler deletes files a "
                "deploy removed (prune), in the dashboard bucket only.",
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
                "<AWS::Region>/*]": "CDK's BucketDeployment handler reads the deploy's source zips, which CDK "
                "names by content hash in its bootstrap asset bucket.",
                "AwsSolutions-IAM5[Resource::<DashboardAssets7B461ADD.Arn>/*]": "CDK's BucketDeployment handler "
                "writes every file of the dashboard bucket: the whole bucket is the deploy's output.",
                "AwsSolutions-IAM5[Resource::*]": "CDK's BucketDeployment handler creates and reads the cache "
                "invalidation of the deploy; CDK grants cloudfront:CreateInvalidation/GetInvalidation on *.",
                "AwsSolutions-L1": "CDK's BucketDeployment handler: its runtime is chosen and upgraded by CDK "
                "together with the handler's code, not by this stack.",
            },
        )

    def _headers_policy(self, id: str, csp: str, what: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self, id,
            comment=f"CodeTime {what}: CSP, HSTS, no framing, no sniffing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True),
            ),
        )  # fmt: skip

    @staticmethod
    def _connect_sources(identity: Identity, live_url: str | None) -> list[str]:
        """What the app fetches besides its own origin: the issuer's discovery document and JWKS, the token
        endpoint (Cognito's hosted domain), and the live WebSocket."""
        sources = []
        if identity.user_pool:  # the issuer (a path under cognito-idp) and the hosted domain's token endpoint
            sources += [f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}", identity.domain_url or ""]
        elif identity.issuer:  # an external issuer: its origin (README: a token endpoint elsewhere is not allowed)
            sources.append(_origin_of(identity.issuer))
        if live_url:
            sources.append(live_url)
        return sources

    @staticmethod
    def _oidc(identity: Identity) -> dict[str, str] | None:
        if not identity.issuer or not identity.dashboard_client_id:
            return None
        return {"issuer": identity.issuer, "client_id": identity.dashboard_client_id, "scope": "openid email profile"}


def _site_or_placeholder(site_dir: Path, placeholder: Path) -> Path:
    """web/dist when it is built; otherwise a one-page placeholder, so synthesizing (and the infra tests) never
    depends on the front-end build. `make build` builds web/dist before a real deploy."""
    if (site_dir / "index.html").is_file():
        return site_dir
    return publish(placeholder, lambda work: (work / "index.html").write_text(PLACEHOLDER_HTML))


def stage_docs(out: Path) -> Path:
    """The API docs as static files (published under `out`): docs/ and redoc/ pages on the pinned assets
    (docs/assets/), and openapi.json generated from the API's routers, the same schema `codetime dev` serves."""
    from codetime.api import docs_pages
    from codetime.api.app import create_app, lambda_routers

    missing = docs_pages.missing_assets()
    if missing:
        raise FileNotFoundError(f"API docs assets missing ({', '.join(missing)}): run `make install` first")

    def write(work: Path) -> None:
        shutil.copytree(docs_pages.SITE_DIR, work / docs_pages.ASSETS_URL.strip("/"), ignore=IGNORED_ASSET_FILES)
        (work / "docs").mkdir(exist_ok=True)  # the assets may live under docs/
        (work / "docs" / "index.html").write_text(docs_pages.swagger_page())
        (work / "redoc").mkdir()
        (work / "redoc" / "index.html").write_text(docs_pages.redoc_page())
        app = create_app(*(router for routers in lambda_routers().values() for router in routers))
        (work / docs_pages.OPENAPI_URL.strip("/")).write_text(json.dumps(app.openapi(), separators=(",", ":")))

    return publish(out, write)


IGNORED_ASSET_FILES = shutil.ignore_patterns(".installed")
STALE_AFTER_SECONDS = 600


def publish(out: Path, write: Callable[[Path], None]) -> Path:
    """Runs `write` on a private directory, then publishes it whole as `out/<digest of its files>` and returns that.

    Why: synths run concurrently (the infra tests run two `cdk synth` at once) and an asset's files are hashed and
    copied when the construct is made, so a directory another synth is rewriting in place is seen half-written.
    Renaming a finished directory is atomic; equal content lands on one name (the loser of that race drops its copy).
    Earlier digests are removed once they are older than a synth could still be reading them."""
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        write(work)
        final = out / _tree_digest(work)
        try:
            work.rename(final)
        except OSError:  # published already, by an equal synth
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    cutoff = time.time() - STALE_AFTER_SECONDS
    for entry in out.iterdir():
        try:
            stale = entry != final and entry.lstat().st_mtime < cutoff
        except FileNotFoundError:  # another synth's staging directory, renamed or dropped since listed
            continue
        if stale and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        elif stale:
            entry.unlink(missing_ok=True)
    return final


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
