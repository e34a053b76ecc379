"""The ``sigv4client`` command: signed HTTP requests from the shell, like curl.

    sigv4client https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
    sigv4client -X POST -H 'Content-Type: application/json' -d '{"a":1}' URL
    sigv4client --presign --expires 300 URL
    sigv4client login --user-pool-id us-east-1_Abc --client-id 123 --username alice
    sigv4client --cognito-identity-pool-id us-east-1:uuid URL   # uses the cached login
    sigv4client demo
    sigv4client local serve --openapi notes.json --handlers handlers

Credentials come from, in order: ``--profile`` (botocore's chain for that
profile), the Cognito options (a cached ``sigv4client login`` session, or
``--username`` with the password from ``SIGV4CLIENT_PASSWORD``, stdin or a
prompt), else botocore's default chain (environment, config files, SSO, ...).

Exit codes follow curl: 0 on success (any HTTP status unless ``--fail``),
2 for bad usage, 6 when the host cannot be resolved, 7 when the connection
fails, 18 when the answer breaks off before its body ends, 22 with ``--fail``
for an HTTP status >= 400, 23 when ``--output`` cannot be written, 26 when a
``--data @file`` cannot be read, 28 on a timeout, 47 after too many redirects
(``-L``), 130 when interrupted (Ctrl-C), 143 when stopped by SIGTERM (a process
manager, ``docker stop``: the command shuts down as on Ctrl-C); 1 for any other
error (credentials, Cognito).

The body goes to stdout byte for byte (an image, a gzip file); a newline is
added after one that lacks it only on a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import ipaddress
import json
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from . import __version__
from ._canonical import shown_url
from ._diagnose import mismatch_from_answer
from .client import _MAX_TIMEOUT, _timeout_in_range
from .exceptions import CognitoError, CredentialsError, SigV4ClientError
from .models import (
    Credentials,
    HttpRequest,
    SigningConfig,
    SigningResult,
    redact_secrets,
    sent_secrets,
)

if TYPE_CHECKING:
    import requests

    from .cognito import CognitoUser, StoredSession

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_RESOLVE = 6
EXIT_CONNECT = 7
EXIT_PARTIAL = 18
EXIT_HTTP = 22
EXIT_WRITE = 23
EXIT_READ = 26
EXIT_TIMEOUT = 28
EXIT_REDIRECTS = 47
EXIT_ERROR = 1
# 128 + the signal's number, as a shell reports a command the signal ended.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

_SUBCOMMANDS = ("demo", "generate-client", "local", "login", "request")


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME, and no passwd entry for this user
            raise _Failure(
                EXIT_USAGE, "cannot tell your home folder for the session cache: pass --cache FILE"
            ) from None
    return Path(base) / "sigv4client" / "session.json"


class _Failure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises ``KeyboardInterrupt``.

    Not an ``Exception``, for the same reason: no ``except Exception`` stops it,
    and every ``with`` and ``finally`` it passes on its way out runs (a local
    server's connections ended and its socket closed, a file removed).
    """


def _raise_terminated(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Terminated


def _request_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sigv4client",
        description="Send an AWS SigV4-signed HTTP request (like curl), or print a presigned URL.",
        epilog=(
            "Other commands: 'sigv4client login --help', 'sigv4client demo --help', "
            "'sigv4client generate-client --help', 'sigv4client local serve --help', "
            "'sigv4client local explain --help'."
        ),
    )
    p.add_argument("--version", action="version", version=f"sigv4client {__version__}")
    p.add_argument(
        "url", help="the full URL, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod/items"
    )
    p.add_argument(
        "-X",
        "--request",
        dest="method",
        default=None,
        help="HTTP method (default GET, or POST with -d)",
    )
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="add a header (repeatable)",
    )
    p.add_argument(
        "-d", "--data", help="request body; @FILE reads a file (streamed), @- reads stdin"
    )
    p.add_argument("--region", help="AWS region (default: from the host, else AWS_REGION)")
    p.add_argument(
        "--service", default="execute-api", help="service name in the scope (default: execute-api)"
    )
    p.add_argument("--profile", help="an AWS profile, resolved by botocore")
    p.add_argument(
        "--presign", action="store_true", help="print a presigned URL instead of sending"
    )
    p.add_argument(
        "--expires", type=int, default=300, help="presigned URL lifetime in seconds (default 300)"
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the canonical request, string to sign, the headers sent (> ...) and the "
        "response status line and headers (< ...) to stderr, secrets redacted",
    )
    p.add_argument(
        "-i", "--include", action="store_true", help="print the response status line and headers"
    )
    p.add_argument(
        "-L",
        "--location",
        action="store_true",
        help="follow redirects: same-origin ones signed again, others sent without credentials",
    )
    p.add_argument(
        "-f", "--fail", action="store_true", help="exit 22 on an HTTP status >= 400 (curl's --fail)"
    )
    p.add_argument("-o", "--output", help="write the response body to this file")
    p.add_argument(
        "--timeout",
        type=_timeout_seconds,
        default=60.0,
        help="seconds before giving up (default 60)",
    )
    _cognito_options(p, required=False)
    return p


# The limit SigV4Client.invoke() takes too (client._MAX_TIMEOUT says why).
def _timeout_seconds(text: str) -> float:
    """``--timeout``: seconds, more than 0 and at most :data:`_MAX_TIMEOUT` (exit 2 otherwise)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not _timeout_in_range(seconds):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds between 0 (excluded) and "
            f"{_MAX_TIMEOUT:.0f}; e.g. --timeout 30"
        )
    return seconds


def _cognito_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    g = p.add_argument_group("Cognito (user pool -> identity pool credentials)")
    g.add_argument("--user-pool-id", required=required, help="e.g. us-east-1_AbCdEf")
    g.add_argument("--client-id", required=required, help="the app client id")
    g.add_argument(
        "--client-secret-env",
        metavar="VAR",
        help="read the app client secret from this env variable",
    )
    g.add_argument("--username", required=required)
    g.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (else SIGV4CLIENT_PASSWORD, else a prompt)",
    )
    g.add_argument(
        "--flow", default="USER_SRP_AUTH", choices=["USER_SRP_AUTH", "USER_PASSWORD_AUTH"]
    )
    g.add_argument(
        "--cognito-identity-pool-id",
        "--identity-pool-id",
        dest="identity_pool_id",
        help="exchange the login for this identity pool's credentials",
    )
    g.add_argument(
        "--cognito-endpoint-url",
        dest="cognito_endpoint_url",
        help="a local Cognito (e.g. moto) for both Cognito APIs",
    )
    g.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="session cache file (default $XDG_CACHE_HOME/sigv4client/session.json, "
        "else ~/.cache/sigv4client/session.json)",
    )


def _password(args: argparse.Namespace, stdin: IO[str]) -> str:
    if args.password_stdin:
        if stdin.isatty():
            # Typed, not piped: a prompt that does not echo, rather than a
            # silent wait that shows the password as it is typed.
            return getpass.getpass(f"Password for {args.username}: ")
        return stdin.readline().rstrip("\n")
    env = os.environ.get("SIGV4CLIENT_PASSWORD")
    if env:
        return env
    if not stdin.isatty():
        raise _Failure(EXIT_USAGE, "no password: use --password-stdin or set SIGV4CLIENT_PASSWORD")
    return getpass.getpass(f"Password for {args.username}: ")


def _write_cache(path: Path, session: StoredSession) -> None:
    from .cognito import FileSessionStore

    try:
        FileSessionStore(path).save(session)
    except OSError as exc:
        raise _Failure(EXIT_ERROR, f"cannot write the session cache: {_os_error(exc)}") from None


def _read_cache(path: Path) -> StoredSession | None:
    from .cognito import FileSessionStore

    try:
        return FileSessionStore(path).load()
    except OSError as exc:
        raise _Failure(EXIT_ERROR, f"cannot read the session cache: {_os_error(exc)}") from None
    except CognitoError:
        raise _Failure(
            EXIT_ERROR, f"the session cache {path} is incomplete or damaged; log in again"
        ) from None


def _os_error(exc: OSError) -> str:
    # PermissionError from the private-file checks carries its own advice; a
    # plain OSError names the file and the reason.
    if exc.filename is None:
        return str(exc)
    return f"{exc.filename}: {exc.strerror}"


def _cognito_user(args: argparse.Namespace, stdin: IO[str]) -> tuple[CognitoUser, Path]:
    from .cognito import CognitoUser

    cache_path = args.cache or _default_cache()
    secret = os.environ.get(args.client_secret_env) if args.client_secret_env else None
    if args.user_pool_id and args.client_id and args.username:
        user = CognitoUser(
            user_pool_id=args.user_pool_id,
            client_id=args.client_id,
            client_secret=secret,
            endpoint_url=args.cognito_endpoint_url,
        )
        user.login(args.username, _password(args, stdin), flow=args.flow)
        return user, cache_path
    cached = _read_cache(cache_path)
    if cached is None or cached.tokens is None:
        raise _Failure(
            EXIT_USAGE,
            "no Cognito session: run 'sigv4client login ...' first, or pass "
            "--user-pool-id, --client-id and --username",
        )
    user = CognitoUser(
        user_pool_id=cached.user_pool_id,
        client_id=cached.client_id,
        client_secret=secret,
        endpoint_url=args.cognito_endpoint_url or cached.endpoint_url,
        tokens=cached.tokens,
    )
    return user, cache_path


def _save_session(user: CognitoUser, path: Path) -> None:
    from .cognito import StoredSession

    tokens = user.tokens
    if tokens is None:
        return
    _write_cache(
        path,
        StoredSession(
            user_pool_id=user.user_pool_id,
            client_id=user.client_id,
            username=user.username or tokens.username or "",
            endpoint_url=user.endpoint_url,
            tokens=tokens,
        ),
    )


def _credentials(args: argparse.Namespace, stdin: IO[str]) -> Credentials:
    cognito = args.identity_pool_id or args.user_pool_id
    if args.profile and cognito:
        raise _Failure(EXIT_USAGE, "use either --profile or the Cognito options, not both")
    if cognito:
        if not args.identity_pool_id:
            raise _Failure(
                EXIT_USAGE,
                "--cognito-identity-pool-id is needed to turn a login into AWS credentials",
            )
        user, cache_path = _cognito_user(args, stdin)
        provider = user.identity_credentials(args.identity_pool_id)
        creds = provider.get_credentials()
        _save_session(user, cache_path)  # keeps refreshed tokens for the next call
        return creds
    from .credentials import BotocoreSessionProvider
    from .credentials._botocore import _HOW_TO_CONFIGURE

    try:
        return BotocoreSessionProvider(profile_name=args.profile).get_credentials()
    except CredentialsError as exc:
        # The library's advice names a Python class; a shell user needs options.
        text = str(exc)
        if _HOW_TO_CONFIGURE in text:
            text = text.replace(_HOW_TO_CONFIGURE, _CLI_HOW_TO_CONFIGURE)
        else:
            text = f"{text}\n{_CLI_HOW_TO_CONFIGURE}"
        raise _Failure(EXIT_ERROR, text) from None


_CLI_HOW_TO_CONFIGURE = (
    "pass --profile NAME (a profile of ~/.aws/config or ~/.aws/credentials), or set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
    "credentials), or log in to Cognito once with 'sigv4client login --user-pool-id ID "
    "--client-id ID --username NAME' and pass --cognito-identity-pool-id ID"
)


def _body(data: str | None, stdin: IO[str]) -> bytes | IO[bytes]:
    if data is None:
        return b""
    if data == "@-":
        return stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
    if data.startswith("@"):
        try:
            return open(data[1:], "rb")  # closed after the request
        except OSError as exc:
            raise _Failure(EXIT_READ, f"cannot read {data[1:]!r}: {exc.strerror}") from None
    return data.encode("utf-8")


def _headers(raw: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for index, item in enumerate(raw, 1):
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            # Not echoed: a header value is often a token.
            raise _Failure(
                EXIT_USAGE,
                f"bad header in -H argument {index}: no 'Name:' before the value; "
                "use -H 'Name: value'",
            )
        out.append((name.strip(), value.strip()))
    return out


def _region(args: argparse.Namespace, url: str) -> str:
    from .exceptions import InvalidConfigError
    from .integrations._common import region_for

    try:
        return region_for(args.region or None, url, "pass --region (or set AWS_REGION)")
    except InvalidConfigError as exc:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise _Failure(EXIT_USAGE, str(exc)) from None
        return region


def _run_request(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    from .signing import presign_result, sign

    creds = _credentials(args, stdin)
    config = SigningConfig(region=_region(args, args.url), service=args.service)
    user_headers = _headers(args.header)  # first: a bad -H leaves no -d @file open
    body = _body(args.data, stdin)
    method = args.method or ("POST" if args.data is not None else "GET")
    # What -v and an error answer never show: the credentials, any header value
    # that may be one (a bearer token given with -H), and every signature.
    secrets = (creds.secret_access_key, creds.session_token, *sent_secrets(user_headers))
    try:
        request = HttpRequest(method=method, url=args.url, headers=user_headers, body=body)
        if args.presign:
            result = presign_result(request, creds, config, expires_in=args.expires)
        else:
            result = sign(request, creds, config)
        if args.verbose and not args.location:
            print(
                "* canonical request:",
                redact_secrets(result.redacted_canonical_request(), secrets),
                sep="\n",
                file=stderr,
            )
            print("* string to sign:", result.string_to_sign, sep="\n", file=stderr)
            for name, value in result.headers:
                shown = "<redacted>" if name == "X-Amz-Security-Token" else value
                print(f"> {name}: {redact_secrets(shown, secrets)}", file=stderr)
        elif args.verbose:
            # With -L each hop is signed as it is sent (a new date, a new
            # signature): what was sent is shown below, hop by hop.
            print(
                "* -L: each hop is signed when it is sent; its headers follow, as sent",
                file=stderr,
            )
        if args.presign:
            print(result.url, file=stdout)
            return 0
        # requests is loaded only to send: --presign starts without it.
        import requests
        import urllib3

        from .integrations.requests import SigV4Auth, SigV4Session

        # One header per name, repeated values joined with "," exactly as they
        # were signed (requests cannot send a name twice).
        headers: dict[str, str] = {}
        names: dict[str, str] = {}
        for name, value in result.apply_to(request).headers:
            first = names.setdefault(name.lower(), name)
            headers[first] = f"{headers[first]},{value}" if first in headers else value
        try:
            if args.location:
                # Redirects: same-origin ones are signed again for where they go,
                # others are sent without credentials (see SigV4Session).
                with SigV4Session() as session:
                    session.auth = SigV4Auth(creds, config=config)
                    response = session.request(
                        method,
                        args.url,
                        headers=dict(user_headers),
                        data=body or None,
                        timeout=args.timeout,
                        stream=True,
                    )
            else:
                # Like curl: a redirect is shown, not followed (-L follows it).
                response = requests.request(
                    method,
                    result.url,
                    headers=headers,
                    data=body or None,
                    timeout=args.timeout,
                    stream=True,
                    allow_redirects=False,
                )
        except requests.exceptions.Timeout:
            raise _Failure(EXIT_TIMEOUT, f"timed out after {args.timeout} s") from None
        except requests.exceptions.TooManyRedirects:
            raise _Failure(
                EXIT_REDIRECTS,
                f"{shown_url(args.url)} redirected too many times (a loop?); run without "
                "-L to see where it sends you, then request that URL",
            ) from None
        except requests.exceptions.ConnectionError as exc:
            text = str(exc)
            if (
                "Name or service not known" in text
                or "nodename nor servname" in text
                or "getaddrinfo" in text
            ):
                raise _Failure(
                    EXIT_RESOLVE, f"could not resolve host of {shown_url(args.url)}"
                ) from None
            raise _Failure(EXIT_CONNECT, f"failed to connect to {shown_url(args.url)}") from None
    finally:
        if hasattr(body, "close"):
            body.close()
    try:
        with response:
            _show_answer(args, response, result, secrets, stdout, stderr)
    except requests.exceptions.Timeout:
        raise _Failure(EXIT_TIMEOUT, f"timed out after {args.timeout} s") from None
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
        requests.exceptions.ConnectionError,
    ) as exc:
        if any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in exc.args):
            raise _Failure(EXIT_TIMEOUT, f"timed out after {args.timeout} s") from None
        raise _Failure(
            EXIT_PARTIAL,
            f"the answer from {shown_url(args.url)} broke off before its body ended "
            f"({type(exc).__name__}); try again",
        ) from None
    except _OutputError as exc:
        raise _Failure(
            EXIT_WRITE, f"cannot write the response to {args.output!r}: {exc.reason}"
        ) from None
    if args.fail and response.status_code >= 400:
        print(f"sigv4client: the requested URL returned error: {response.status_code}", file=stderr)
        return EXIT_HTTP
    return 0


class _OutputError(Exception):
    """``--output`` could not be opened or written (``reason``: the system's words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _show_answer(
    args: argparse.Namespace,
    response: requests.Response,
    result: SigningResult,
    secrets: tuple[str | None, ...],
    stdout: IO[str],
    stderr: IO[str],
) -> None:
    """The answer as curl shows it: -v and -i headers, then the body (stdout or -o)."""
    if args.verbose:
        for hop in (*response.history, response):
            if args.location:
                _show_sent(hop.request, secrets, stderr)
            _show_response(hop, secrets, stderr)
    if args.include:
        print(f"HTTP/1.1 {response.status_code} {response.reason}", file=stdout)
        for name, value in response.headers.items():
            print(f"{name}: {value}", file=stdout)
        print(file=stdout)
    if args.output:
        try:
            with open(args.output, "wb") as f:
                for chunk in response.iter_content(1 << 16):
                    f.write(chunk)
        except OSError as exc:
            import requests

            if isinstance(exc, requests.RequestException):  # an OSError too
                raise  # reading the answer failed, not writing it: the caller's to tell
            raise _OutputError(exc.strerror or type(exc).__name__) from None
    elif response.status_code < 400 and hasattr(stdout, "buffer"):
        # Byte for byte: decoding (response.text) would mangle an image or a
        # gzip file. Streamed, as -o is: a large body is never held whole. A
        # newline is added only for a terminal to show.
        stdout.flush()  # the -i headers go first
        last = b""
        for chunk in response.iter_content(1 << 16):
            if chunk:
                stdout.buffer.write(chunk)
                last = chunk
        if last and not last.endswith(b"\n") and stdout.isatty():
            stdout.buffer.write(b"\n")
        stdout.buffer.flush()
    else:
        text = response.text
        if response.status_code >= 400:
            # An error answer may quote the token or the Authorization header.
            text = redact_secrets(text, secrets)
        stdout.write(text)
        if text and not text.endswith("\n"):
            stdout.write("\n")
    if response.status_code == 403 and not args.output and not response.history:
        mismatch = mismatch_from_answer(
            403,
            response.text,
            result.canonical_request,
            secrets,
            our_string_to_sign=result.string_to_sign,
        )
        if mismatch is not None:
            print(f"sigv4client: {mismatch}", file=stderr)


# Request headers whose value is a credential, whole: shown by name only.
_SECRET_REQUEST_HEADERS = frozenset({"cookie", "proxy-authorization", "x-amz-security-token"})
# Response headers that may carry a credential: shown by name only.
_SECRET_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "authorization", "proxy-authorization", "x-amz-security-token"}
)


def _show_sent(
    request: requests.PreparedRequest, secrets: tuple[str | None, ...], stderr: IO[str]
) -> None:
    # As curl -v shows it: "> " before the request line and each header sent.
    # Authorization keeps its scope and signed headers; its signature goes.
    print(f"> {request.method} {shown_url(request.url or '')}", file=stderr)
    for name, value in request.headers.items():
        shown = "<redacted>" if name.lower() in _SECRET_REQUEST_HEADERS else value
        print(f"> {name}: {redact_secrets(shown, secrets)}", file=stderr)
    print(">", file=stderr)


def _show_response(
    response: requests.Response, secrets: tuple[str | None, ...], stderr: IO[str]
) -> None:
    # As curl -v shows it: "< " before the status line and each header.
    version = {10: "1.0", 11: "1.1", 20: "2"}.get(getattr(response.raw, "version", 11), "1.1")
    print(f"< HTTP/{version} {response.status_code} {response.reason}", file=stderr)
    for name, value in response.headers.items():
        shown = "<redacted>" if name.lower() in _SECRET_RESPONSE_HEADERS else value
        print(f"< {name}: {redact_secrets(shown, secrets)}", file=stderr)
    print("<", file=stderr)


def _run_login(argv: Sequence[str], stdin: IO[str], stdout: IO[str]) -> int:
    p = argparse.ArgumentParser(
        prog="sigv4client login",
        description="Log in to a Cognito user pool and cache the session (mode 0600).",
    )
    _cognito_options(p, required=True)
    args = p.parse_args(argv)
    user, cache_path = _cognito_user(args, stdin)
    _save_session(user, cache_path)
    print(f"logged in as {args.username}; session cached in {cache_path}", file=stdout)
    if _is_loopback(user.endpoint_url):
        from .local.demo import LOCAL_LOGIN_NOTE

        print(LOCAL_LOGIN_NOTE, file=stdout)
    return 0


def _is_loopback(url: str | None) -> bool:
    # A Cognito endpoint on this machine is a local one (moto): real Cognito
    # is never reached through a loopback address.
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run_demo(argv: Sequence[str], stdout: IO[str]) -> int:
    from .local.demo import main as demo_main

    return demo_main(argv, stdout)


def _run_local_explain(argv: Sequence[str], stdout: IO[str]) -> int:
    """``sigv4client local explain``: IAM's decision for one request, offline."""
    from .local.iam import evaluate

    p = argparse.ArgumentParser(
        prog="sigv4client local explain",
        description="Decide one request as IAM would, from policy files, and say which "
        "statement decided. Exit 0 when allowed, 1 when denied.",
    )
    p.add_argument(
        "--policy", nargs="+", action="extend", default=[], metavar="FILE", help="identity policies"
    )
    p.add_argument("--resource-policy", metavar="FILE", help="the resource's policy")
    p.add_argument("--principal", required=True, metavar="ARN", help="the caller's ARN")
    p.add_argument("--action", required=True, metavar="A", help="e.g. execute-api:Invoke")
    p.add_argument("--resource", required=True, metavar="ARN", help="e.g. the method ARN")
    p.add_argument(
        "--context",
        nargs="+",
        action="extend",
        default=[],
        metavar="k=v",
        help="request context keys, e.g. aws:SourceIp=203.0.113.9 (a key given twice is "
        "multivalued)",
    )
    args = p.parse_args(argv)

    def load(path: str) -> tuple[str, dict[str, object]]:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise _Failure(EXIT_USAGE, f"cannot read policy {path}: {_os_error(exc)}") from None
        except ValueError as exc:
            raise _Failure(EXIT_USAGE, f"policy {path} is not JSON: {exc}") from None
        return path, document

    context: dict[str, list[str]] = {}
    for item in args.context:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _Failure(EXIT_USAGE, f"--context {item!r}: write key=value")
        context.setdefault(key, []).append(value)
    decision = evaluate(
        action=args.action,
        resource=args.resource,
        principal_arn=args.principal,
        identity_policies=[load(f) for f in args.policy],
        resource_policy=load(args.resource_policy) if args.resource_policy else None,
        context={k: v[0] if len(v) == 1 else v for k, v in context.items()},
    )
    print(decision.explanation, file=stdout)
    return 0 if decision.allowed else 1


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        if argv and argv[0] == "login":
            return _run_login(argv[1:], stdin, stdout)
        if argv and argv[0] == "demo":
            return _run_demo(argv[1:], stdout)
        if argv[:2] == ["local", "explain"]:
            return _run_local_explain(argv[2:], stdout)
        if argv and argv[0] == "local":
            from .local._serve import main as local_main

            return local_main(argv[1:], stdout)
        if argv and argv[0] == "generate-client":
            from .apiclient._generate import main as generate_main

            return generate_main(argv[1:], stdout)
        if argv and argv[0] == "request":
            argv = argv[1:]
        args = _request_parser().parse_args(argv)
        return _run_request(args, stdin, stdout, stderr)
    except _Failure as exc:
        print(f"sigv4client: {exc}", file=stderr)
        return exc.code
    except SigV4ClientError as exc:
        print(f"sigv4client: {exc}", file=stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except _Terminated:
        return EXIT_TERMINATED
    except BrokenPipeError:
        # The reader closed its end (``| head``): curl's write failure, quietly, as
        # a pipeline expects. Python's final flush of a closed stdout would print
        # a second error: the process's stdout is pointed at /dev/null first.
        if stdout is sys.stdout:
            _silence_stdout()
        return EXIT_WRITE


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _entry() -> NoReturn:
    # A process manager, `docker stop` or a CI runner ends a command with
    # SIGTERM, whose default kills the process where it stands: `local serve`
    # left its connections and threads to the kernel. Shut down as on Ctrl-C.
    # Here, not in main(): the handler is the process's, and main() may run in
    # another program or thread.
    signal.signal(signal.SIGTERM, _raise_terminated)
    sys.exit(main())


if __name__ == "__main__":
    _entry()
