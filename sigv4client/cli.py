"""The ``sigv4client`` command: signed HTTP requests from the shell, like curl.

    sigv4client https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
    sigv4client -X POST -H 'Content-Type: application/json' -d '{"a":1}' URL
    sigv4client --presign --expires 300 URL
    sigv4client login --user-pool-id us-east-1_Abc --client-id 123 --username alice
    sigv4client --cognito-identity-pool-id us-east-1:uuid URL   # uses the cached login
    sigv4client demo

Credentials come from, in order: ``--profile`` (botocore's chain for that
profile), the Cognito options (a cached ``sigv4client login`` session, or
``--username`` with the password from ``SIGV4CLIENT_PASSWORD``, stdin or a
prompt), else botocore's default chain (environment, config files, SSO, ...).

Exit codes follow curl: 0 on success (any HTTP status unless ``--fail``),
2 for bad usage, 6 when the host cannot be resolved, 7 when the connection
fails, 22 with ``--fail`` for an HTTP status >= 400, 26 when a ``--data @file``
cannot be read, 28 on a timeout, 130 when interrupted (Ctrl-C); 1 for any
other error (credentials, Cognito).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn
from urllib.parse import quote

from . import __version__
from ._diagnose import mismatch_from_answer
from ._endpoints import infer_region
from .exceptions import SigV4ClientError
from .models import Credentials, HttpRequest, SigningConfig

if TYPE_CHECKING:
    from .cognito import CognitoUser

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_RESOLVE = 6
EXIT_CONNECT = 7
EXIT_HTTP = 22
EXIT_READ = 26
EXIT_TIMEOUT = 28
EXIT_ERROR = 1

_SUBCOMMANDS = ("demo", "generate-client", "login", "request")


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sigv4client" / "session.json"


class _Failure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _request_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sigv4client",
        description="Send an AWS SigV4-signed HTTP request (like curl), or print a presigned URL.",
        epilog=(
            "Other commands: 'sigv4client login --help', 'sigv4client demo --help', "
            "'sigv4client generate-client --help'."
        ),
    )
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
        help="print the canonical request, string to sign and headers (secrets redacted) to stderr",
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
        "--timeout", type=float, default=60.0, help="seconds before giving up (default 60)"
    )
    _cognito_options(p, required=False)
    return p


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
        "--cache", type=Path, default=None, help=f"session cache file (default {_default_cache()})"
    )


def _password(args: argparse.Namespace, stdin: IO[str]) -> str:
    if args.password_stdin:
        return stdin.readline().rstrip("\n")
    env = os.environ.get("SIGV4CLIENT_PASSWORD")
    if env:
        return env
    if not stdin.isatty():
        raise _Failure(EXIT_USAGE, "no password: use --password-stdin or set SIGV4CLIENT_PASSWORD")
    return getpass.getpass(f"Password for {args.username}: ")


def _write_cache(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    # Created 0600 from the start (never world-readable, whatever the umask), then renamed.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _read_cache(path: Path) -> dict[str, object] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if st.st_mode & 0o077:
        raise _Failure(
            EXIT_ERROR, f"{path} is readable by others; run 'chmod 600 {path}' or log in again"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _Failure(
            EXIT_ERROR, f"cannot read the session cache {path}: {exc}; log in again"
        ) from None
    return data if isinstance(data, dict) else None


def _cognito_user(args: argparse.Namespace, stdin: IO[str]) -> tuple[CognitoUser, Path]:
    from .cognito import CognitoUser, Tokens

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
    if cached is None:
        raise _Failure(
            EXIT_USAGE,
            "no Cognito session: run 'sigv4client login ...' first, or pass "
            "--user-pool-id, --client-id and --username",
        )
    tokens = Tokens(
        id_token=str(cached["id_token"]),
        access_token=str(cached["access_token"]),
        refresh_token=str(cached["refresh_token"]) if cached.get("refresh_token") else None,
        expires_at=datetime.fromisoformat(str(cached["expires_at"])),
    )
    user = CognitoUser(
        user_pool_id=str(cached["user_pool_id"]),
        client_id=str(cached["client_id"]),
        client_secret=secret,
        endpoint_url=args.cognito_endpoint_url or cached.get("endpoint_url"),  # type: ignore[arg-type]
        tokens=tokens,
    )
    return user, cache_path


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _save_session(user: CognitoUser, path: Path) -> None:
    tokens = user.tokens
    if tokens is None:
        return
    _write_cache(
        path,
        {
            "user_pool_id": user.user_pool_id,
            "client_id": user.client_id,
            "endpoint_url": user.endpoint_url,
            "id_token": tokens.id_token,
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at.isoformat(),
        },
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

    return BotocoreSessionProvider(profile_name=args.profile).get_credentials()


def _redact(text: str, creds: Credentials) -> str:
    # The token appears raw in a header line and percent-encoded in a presigned query.
    for secret in (creds.secret_access_key, creds.session_token):
        if secret:
            text = text.replace(secret, "<redacted>")
            text = text.replace(quote(secret, safe="-_.~"), "<redacted>")
    return text


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
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise _Failure(EXIT_USAGE, f"bad header {item!r}: use -H 'Name: value'")
        out.append((name.strip(), value.strip()))
    return out


def _region(args: argparse.Namespace, url: str) -> str:
    host = url.partition("://")[2].partition("/")[0]
    region = (
        args.region
        or infer_region(host)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not region:
        raise _Failure(EXIT_USAGE, f"cannot tell the region from {host!r}: pass --region")
    return region


def _run_request(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    import requests

    from .integrations.requests import SigV4Auth, SigV4Session
    from .signing import presign_result, sign

    creds = _credentials(args, stdin)
    config = SigningConfig(region=_region(args, args.url), service=args.service)
    body = _body(args.data, stdin)
    method = args.method or ("POST" if args.data is not None else "GET")
    try:
        request = HttpRequest(method=method, url=args.url, headers=_headers(args.header), body=body)
        if args.presign:
            result = presign_result(request, creds, config, expires_in=args.expires)
        else:
            result = sign(request, creds, config)
        if args.verbose:
            print(
                "* canonical request:",
                _redact(result.redacted_canonical_request(), creds),
                sep="\n",
                file=stderr,
            )
            print("* string to sign:", result.string_to_sign, sep="\n", file=stderr)
            for name, value in result.headers:
                shown = value
                if name == "Authorization":
                    shown = value.split("Signature=")[0] + "Signature=<redacted>"
                elif name == "X-Amz-Security-Token":
                    shown = "<redacted>"
                print(f"> {name}: {shown}", file=stderr)
        if args.presign:
            print(result.url, file=stdout)
            return 0
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
                        headers=dict(_headers(args.header)),
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
        except requests.exceptions.ConnectionError as exc:
            text = str(exc)
            if (
                "Name or service not known" in text
                or "nodename nor servname" in text
                or "getaddrinfo" in text
            ):
                raise _Failure(EXIT_RESOLVE, f"could not resolve host of {args.url}") from None
            raise _Failure(EXIT_CONNECT, f"failed to connect to {args.url}") from None
    finally:
        if hasattr(body, "close"):
            body.close()
    with response:
        if args.include:
            print(f"HTTP/1.1 {response.status_code} {response.reason}", file=stdout)
            for name, value in response.headers.items():
                print(f"{name}: {value}", file=stdout)
            print(file=stdout)
        if args.output:
            with open(args.output, "wb") as f:
                for chunk in response.iter_content(1 << 16):
                    f.write(chunk)
        else:
            stdout.write(response.text)
            if response.text and not response.text.endswith("\n"):
                stdout.write("\n")
        if response.status_code == 403 and not args.output:
            mismatch = mismatch_from_answer(
                403, response.text, result.canonical_request, (creds.session_token,)
            )
            if mismatch is not None:
                print(f"sigv4client: {mismatch}", file=stderr)
    if args.fail and response.status_code >= 400:
        print(f"sigv4client: the requested URL returned error: {response.status_code}", file=stderr)
        return EXIT_HTTP
    return 0


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
    return 0


def _run_demo(argv: Sequence[str], stdout: IO[str]) -> int:
    from .local.demo import main as demo_main

    return demo_main(argv, stdout)


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
        if argv == ["--version"]:
            print(f"sigv4client {__version__}", file=stdout)
            return 0
        if argv and argv[0] == "login":
            return _run_login(argv[1:], stdin, stdout)
        if argv and argv[0] == "demo":
            return _run_demo(argv[1:], stdout)
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
        return 130


def _entry() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
