"""Stages, method ARNs and resource policies, as API Gateway reads them.

Every policy test has its deny twin: the same call with the rule's one fact
changed (IP range, stage, method, path, API id) must get the other verdict, so
neither answer can pass by accident. The policies are the examples of API
Gateway's developer guide ("IAM policy examples for API execution
permissions", "API Gateway resource policy examples", "x-amazon-apigateway-policy").
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, SigV4Auth, sign
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import GatewayRequest, LocalGateway, ResourcePolicy
from tests.support.raw_http import exchange, request_bytes

REGION = "us-east-1"
ACCOUNT = "123456789012"
KEY, SECRET = "AKIDSTAGES", "stages/secret"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
AUTH = SigV4Auth(CREDS, region=REGION)
EXPLICIT = " with an explicit deny"


def _echo(request: GatewayRequest) -> dict[str, object]:
    return {
        "stage": request.stage,
        "path": request.path,
        "raw_path": request.raw_path,
        "variables": dict(request.stage_variables),
        "context_stage": request.request_context["stage"],
        "context_path": request.request_context.get("path"),  # REST only
        "resource_path": request.request_context.get("resourcePath"),
    }


def _statement(effect: str, resource: str | list[str], **extra: object) -> dict[str, object]:
    return {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": resource,
        **extra,
    }


def _policy(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _deny_ip(resource: str, cidr: str) -> dict[str, object]:
    # The policy: allow everything, deny one method and path to an IP range.
    return _policy(
        _statement("Allow", "*"),
        _statement("Deny", resource, Condition={"IpAddress": {"aws:SourceIp": cidr}}),
    )


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    stages = {"prod": {"table": "notes-prod"}, "dev": {"table": "notes-dev", "x": "../prod"}}
    with LocalGateway({KEY: SECRET}, api_id="a1b2c3", stages=stages) as gw:
        gw.route("ANY", "/notes/{id}", _echo)
        gw.route("GET", "/open/{proxy+}", _echo, authorizer="NONE")
        yield gw
        gw.resource_policy = None


# --- the stage is the first path segment -------------------------------------------------


def test_the_first_segment_is_the_stage_with_its_variables(gateway: LocalGateway) -> None:
    assert gateway.stage == "prod"
    assert gateway.url == f"{gateway.base_url}/prod"
    assert gateway.stage_url("dev") == f"{gateway.base_url}/dev"
    prod = requests.get(f"{gateway.base_url}/prod/notes/1", auth=AUTH, timeout=10)
    dev = requests.get(f"{gateway.base_url}/dev/notes/1", auth=AUTH, timeout=10)
    assert prod.json() == {
        "stage": "prod",
        "path": "/notes/1",
        "raw_path": "/prod/notes/1",
        "variables": {"table": "notes-prod"},
        "context_stage": "prod",
        "context_path": "/prod/notes/1",
        "resource_path": "/notes/{id}",
    }
    assert dev.json()["variables"] == {"table": "notes-dev", "x": "../prod"}
    assert dev.json()["stage"] == "dev"


@pytest.mark.parametrize("path", ["/test/notes/1", "/PROD/notes/1", "/notes/1", "/", "/$default/x"])
def test_a_stage_the_api_does_not_have_is_forbidden(gateway: LocalGateway, path: str) -> None:
    # REST APIs answer 403 Forbidden for an unknown stage (stage names are case-sensitive).
    answer = requests.get(f"{gateway.base_url}{path}", auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (403, {"message": "Forbidden"})
    assert answer.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_dot_segments_cannot_climb_from_one_stage_into_another(gateway: LocalGateway) -> None:
    # '/prod/../dev/...' is '/dev/...': it is routed, signed and judged as dev, never as prod.
    gateway.resource_policy = _policy(
        _statement("Allow", "*"), _statement("Deny", "execute-api:/dev/*")
    )
    try:
        climbed = requests.get(f"{gateway.base_url}/prod/../dev/notes/1", auth=AUTH, timeout=10)
        assert climbed.status_code == 403
        assert climbed.json()["message"].endswith("/dev/GET/notes/1" + EXPLICIT)
        # Deny twin: prod itself is allowed.
        assert requests.get(f"{gateway.url}/notes/1", auth=AUTH, timeout=10).status_code == 200
        # Climbing out of the stage altogether names no stage.
        out = requests.get(f"{gateway.base_url}/prod/../../notes/1", auth=AUTH, timeout=10)
        assert out.status_code == 403
        assert out.json() == {"message": "Forbidden"}
        # An encoded dot segment is refused, never resolved into another stage.
        (encoded,) = exchange(
            gateway.port,
            request_bytes("GET", "/prod/%2e%2e/dev/notes/1", [("Host", "h")]),
        )
        assert encoded.status == 400
    finally:
        gateway.resource_policy = None


def test_a_lower_case_method_is_never_routed_around_a_policy(gateway: LocalGateway) -> None:
    # "delete" is not DELETE: an ANY route must not serve it under an ARN a policy
    # on DELETE would not match. It is refused before routing.
    gateway.resource_policy = _deny_ip(
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/prod/DELETE/notes/*", "127.0.0.0/8"
    )
    try:
        url = f"http://127.0.0.1:{gateway.port}/prod/notes/1"
        signed = sign(
            HttpRequest(method="delete", url=url),
            CREDS,
            SigningConfig(region=REGION, service="execute-api"),
        )
        (answer,) = exchange(
            gateway.port, request_bytes("delete", "/prod/notes/1", list(signed.headers))
        )
        assert answer.status == 501
        upper = requests.delete(url, auth=AUTH, timeout=10)
        assert upper.status_code == 403
        assert upper.json()["message"].endswith(EXPLICIT)
    finally:
        gateway.resource_policy = None


# --- method ARNs -------------------------------------------------------------------------


def test_method_arns_name_the_stage_called_and_the_resource_path(gateway: LocalGateway) -> None:
    assert gateway.method_arn("DELETE", "/notes/1") == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3/prod/DELETE/notes/1"
    )
    assert gateway.method_arn("GET", "/notes/1", stage="dev") == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3/dev/GET/notes/1"
    )
    # The ARN of a refused call, as the gateway saw it: stage variables never enter it.
    gateway.resource_policy = _policy(_statement("Deny", "*"))
    try:
        answer = requests.get(f"{gateway.base_url}/dev/notes/7", auth=AUTH, timeout=10)
    finally:
        gateway.resource_policy = None
    assert answer.json()["message"] == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3/dev/GET/notes/7{EXPLICIT}"
    )


# --- the regression: a Deny on an IAM route reached the handler ----------------


@pytest.mark.parametrize(
    "resource",
    [
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/prod/DELETE/notes/*",  # the full form
        "execute-api:/prod/DELETE/notes/*",  # the console's short form
    ],
)
def test_a_deny_for_loopback_refuses_a_signed_call_on_an_iam_route(
    gateway: LocalGateway, resource: str
) -> None:
    url = f"{gateway.url}/notes/1"
    gateway.resource_policy = _deny_ip(resource, "127.0.0.0/8")
    try:
        denied = requests.delete(url, auth=AUTH, timeout=10)
        other_method = requests.get(url, auth=AUTH, timeout=10)
        other_stage = requests.delete(f"{gateway.base_url}/dev/notes/1", auth=AUTH, timeout=10)
        # Deny twin: the same policy for another IP range lets the call through.
        gateway.resource_policy = _deny_ip(resource, "10.0.0.0/8")
        allowed = requests.delete(url, auth=AUTH, timeout=10)
    finally:
        gateway.resource_policy = None
    assert denied.status_code == 403, denied.text
    assert denied.json() == {
        "message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        f"resource: arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3/prod/DELETE/notes/1{EXPLICIT}"
    }
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert other_method.status_code == 200
    assert other_stage.status_code == 200
    assert allowed.status_code == 200, allowed.text


# --- the developer guide's examples, each with its twin ----------------------------------

GUIDE_ARN = "arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}/{path}"


def _arn(
    *, region: str = "us-east-1", api: str = "a123456789", stage: str, method: str, path: str
) -> str:
    return GUIDE_ARN.format(
        region=region, account=ACCOUNT, api=api, stage=stage, method=method, path=path
    )


def test_guide_any_post_along_a_path_in_one_stage() -> None:
    # "call any POST method along the path of mydemoresource, in the stage of test"
    policy = ResourcePolicy(
        _policy(
            _statement(
                "Allow", "arn:aws:execute-api:us-east-1:*:a123456789/test/POST/mydemoresource/*"
            )
        )
    )
    arn = _arn(stage="test", method="POST", path="mydemoresource/a/b")
    assert policy.evaluate(arn, source_ip="127.0.0.1") == "Allow"
    for twin in [
        _arn(stage="test", method="GET", path="mydemoresource/a"),  # another method
        _arn(stage="prod", method="POST", path="mydemoresource/a"),  # another stage
        _arn(stage="test", method="POST", path="other/a"),  # another path
        _arn(api="b987654321", stage="test", method="POST", path="mydemoresource/a"),
        _arn(region="eu-west-1", stage="test", method="POST", path="mydemoresource/a"),
        _arn(stage="test", method="post", path="mydemoresource/a"),  # ARNs are case-sensitive
    ]:
        assert policy.evaluate(twin, source_ip="127.0.0.1") == "Neither", twin


def test_guide_any_method_on_a_path_in_any_stage_and_region() -> None:
    policy = ResourcePolicy(
        _policy(
            _statement("Allow", "arn:aws:execute-api:*:*:a123456789/*/*/petstorewalkthrough/pets")
        )
    )
    for arn in [
        _arn(stage="test", method="GET", path="petstorewalkthrough/pets"),
        _arn(region="ap-south-1", stage="prod", method="DELETE", path="petstorewalkthrough/pets"),
    ]:
        assert policy.evaluate(arn, source_ip="127.0.0.1") == "Allow", arn
    # Twin: one segment more is another resource.
    twin = _arn(stage="test", method="GET", path="petstorewalkthrough/pets/1")
    assert policy.evaluate(twin, source_ip="127.0.0.1") == "Neither"


def test_guide_short_form_is_expanded_with_the_apis_region_account_and_id() -> None:
    # "execute-api:/stage-name/GET/pets ... converts to
    #  arn:aws:execute-api:us-east-2:123456789012:aabbccddee/stage-name/GET/pets"
    document = _policy(_statement("Deny", "execute-api:/stage-name/GET/pets"))
    policy = ResourcePolicy(document, region="us-east-2", account_id=ACCOUNT, api_id="aabbccddee")
    full = f"arn:aws:execute-api:us-east-2:{ACCOUNT}:aabbccddee/stage-name/GET/pets"
    assert policy.evaluate(full, source_ip="127.0.0.1") == "Deny"
    for twin in [
        full.replace("aabbccddee", "otherapiid"),  # another API: the short form is this one's
        full.replace("us-east-2", "us-east-1"),
        full.replace(ACCOUNT, "210987654321"),
        full.replace("/GET/", "/POST/"),
    ]:
        assert policy.evaluate(twin, source_ip="127.0.0.1") == "Neither", twin
    # Without the API's identity the short form cannot be read: refused, never ignored.
    with pytest.raises(InvalidConfigError, match="short form"):
        ResourcePolicy(document)


def test_guide_openapi_policy_denies_a_source_ip_block() -> None:
    # x-amazon-apigateway-policy's example: allow execute-api:/*, deny 192.0.2.0/24.
    def document(cidr: str) -> dict[str, object]:
        return _policy(
            _statement("Allow", ["execute-api:/*"]),
            _statement("Deny", ["execute-api:/*"], Condition={"IpAddress": {"aws:SourceIp": cidr}}),
        )

    arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api/prod/GET/pets"
    scope = {"region": "us-east-1", "account_id": ACCOUNT, "api_id": "api"}
    assert ResourcePolicy(document("192.0.2.0/24"), **scope).evaluate(
        arn, source_ip="127.0.0.1"
    ) == ("Allow")
    assert ResourcePolicy(document("192.0.2.0/24"), **scope).evaluate(
        arn, source_ip="192.0.2.7"
    ) == ("Deny")
    other_api = arn.replace(":api/", ":other/")
    assert ResourcePolicy(document("0.0.0.0/0"), **scope).evaluate(
        other_api, source_ip="127.0.0.1"
    ) == ("Neither")


def test_guide_cross_account_roles_are_matched_as_principals() -> None:
    # "Allow roles in another AWS account to use an API"
    roles = ["arn:aws:iam::210987654321:role/developer", "arn:aws:iam::210987654321:role/admin"]
    policy = ResourcePolicy(
        _policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": roles},
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/stage/GET/pets",
            }
        ),
        region="us-east-2",
        account_id=ACCOUNT,
        api_id="api",
    )
    arn = f"arn:aws:execute-api:us-east-2:{ACCOUNT}:api/stage/GET/pets"
    assert policy.evaluate(arn, source_ip="127.0.0.1", principal=roles[0]) == "Allow"
    for twin in [
        None,
        "arn:aws:iam::210987654321:role/intern",
        "arn:aws:iam::999999999999:role/developer",
    ]:
        assert policy.evaluate(arn, source_ip="127.0.0.1", principal=twin) == "Neither", twin


# --- what a policy may not say: refused, never read more widely ------------------------


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # NotResource, NotPrincipal, NotAction are read since IAM's evaluator judges
        # resource policies (tests/test_iam_gateway.py); a statement with both is refused.
        ({"NotResource": "execute-api:/prod/*"}, "give Resource or NotResource"),
        ({"NotPrincipal": {"AWS": "x"}}, "give Principal or NotPrincipal"),
        ({"NotAction": "execute-api:Invoke"}, "give Action or NotAction"),
        ({"Resource": "prod/GET/*"}, "is not '\\*', an ARN"),
        ({"Resource": "execute-api:prod/GET/x"}, "short form as"),
    ],
)
def test_a_statement_the_gateway_cannot_read_exactly_is_refused(
    statement: dict[str, object], message: str
) -> None:
    base = _statement("Allow", "execute-api:/*")
    document = _policy({**base, **statement})
    with pytest.raises(InvalidConfigError, match=message):
        ResourcePolicy(document, region=REGION, account_id=ACCOUNT, api_id="api")


def test_a_wildcard_never_spans_arn_components() -> None:
    # IAM matches an ARN component by component: an account wildcard cannot eat the
    # region, nor a region wildcard the account.
    policy = ResourcePolicy(
        _policy(_statement("Allow", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*/prod/*"))
    )
    assert policy.evaluate(
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api/prod/GET/x", source_ip="127.0.0.1"
    ) == ("Allow")
    assert policy.evaluate(
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api:x/prod/GET/x", source_ip="127.0.0.1"
    ) == ("Allow")  # the last component holds the rest, ':' included, as in IAM
    assert policy.evaluate(
        "arn:aws:execute-api:us-east-1:999999999999:api/prod/GET/x", source_ip="127.0.0.1"
    ) == ("Neither")


def test_an_http_api_has_no_resource_policy() -> None:
    with pytest.raises(InvalidConfigError, match="HTTP APIs have no resource policy"):
        LocalGateway(
            {KEY: SECRET}, api_type="HTTP", resource_policy=_policy(_statement("Deny", "*"))
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stages": {"bad/name": {}}}, "stage name"),
        ({"stages": {"prod": {"a-b": "x"}}}, "stage variable name"),
        ({"stages": {"prod": {"a": 1}}}, "must be a string"),
        ({"stages": {"prod": {}}, "stage": "dev"}, "not one of the stages"),
        ({"stages": {"$default": {}}}, "no \\$default stage"),
        ({"stages": {}}, "one or more"),
    ],
)
def test_bad_stages_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidConfigError, match=message):
        LocalGateway({KEY: SECRET}, **kwargs)  # type: ignore[arg-type]


def test_an_http_api_serves_its_default_stage_at_the_root_beside_named_ones() -> None:
    stages = {"$default": {"v": "root"}, "beta": {"v": "beta"}}
    with LocalGateway({KEY: SECRET}, api_type="HTTP", stages=stages) as gw:
        gw.route("GET", "/items/{id}", _echo, authorizer="NONE")
        root = requests.get(f"{gw.url}/items/1", timeout=10)
        beta = requests.get(f"{gw.stage_url('beta')}/items/1", timeout=10)
        missing = requests.get(f"{gw.url}/nowhere", timeout=10)
    assert gw.url == gw.base_url
    assert (root.json()["stage"], root.json()["variables"]) == ("$default", {"v": "root"})
    assert (beta.json()["stage"], beta.json()["path"]) == ("beta", "/items/1")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})


def test_the_route_listing_of_an_unknown_path_is_json_safe(gateway: LocalGateway) -> None:
    answer = requests.get(f"{gateway.url}/nowhere", auth=AUTH, timeout=10)
    assert answer.status_code == 403
    assert json.loads(answer.text) == {"message": "Missing Authentication Token"}
    assert answer.headers["x-local-gateway-routes"] == "ANY /notes/{id}, GET /open/{proxy+}"


@pytest.mark.parametrize(
    "resource",
    [
        "execute-api:/prod",
        "execute-api:/prod/",
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api/prod",
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api",
    ],
)
def test_a_deny_naming_only_a_stage_or_an_api_covers_everything_beneath_it(
    resource: str,
) -> None:
    # A Resource that stops at the stage or the API names no method ARN exactly;
    # whether API Gateway reads it as everything beneath is not documented, so a
    # Deny is read that way (stricter) and an Allow exactly (never wider).
    scope = {"region": "us-east-1", "account_id": ACCOUNT, "api_id": "api"}
    arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api/prod/DELETE/notes/7"
    deny = ResourcePolicy(_policy(_statement("Deny", resource)), **scope)
    assert deny.evaluate(arn, source_ip="127.0.0.1") == "Deny"
    # Twins: another stage is not beneath /prod (unless the API itself was named),
    # and an Allow is never widened.
    other_stage = arn.replace("/prod/", "/dev/")
    expected = "Deny" if resource.endswith(":api") else "Neither"
    assert deny.evaluate(other_stage, source_ip="127.0.0.1") == expected
    allow = ResourcePolicy(_policy(_statement("Allow", resource)), **scope)
    assert allow.evaluate(arn, source_ip="127.0.0.1") == "Neither"
