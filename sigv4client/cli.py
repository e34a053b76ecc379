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
fails, 22 with ``--fail`` for an HTTP status >= 400, 26 when a ``--data @file``
cannot be read, 28 on a timeout, 130 when interrupted (Ctrl-C); 1 for any
other error (credentials, Cognito).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn
from urllib.parse import quote, urlsplit

from . import __version__
from ._diagnose import mismatch_from_answer
from ._private_files import read_private_file, write_private_file
from .exceptions import CredentialsError, SigV4ClientError
from .models import Credentials, HttpRequest, SigningConfig

if TYPE_CHECKING:
    import requests

    from .cognito import CognitoUser

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_RESOLVE = 6
EXIT_CONNECT = 7
EXIT_HTTP = 22
EXIT_READ = 26
EXIT_TIMEOUT = 28
EXIT_ERROR = 1

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


def _request_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sigv4client",
        description="Send an AWS SigV4-signed HTTP request (like curl), or print a presigned URL.",
        epilog=(
            "Other commands: 'sigv4client login --help', 'sigv4client demo --help', "
            "'sigv4client generate-client --help'."
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


def _write_cache(path: Path, data: dict[str, object]) -> None:
    try:
        write_private_file(path, json.dumps(data).encode("utf-8"))
    except OSError as exc:
        raise _Failure(EXIT_ERROR, f"cannot write the session cache: {_os_error(exc)}") from None


def _read_cache(path: Path) -> dict[str, object] | None:
    try:
        raw = read_private_file(path)
    except OSError as exc:
        raise _Failure(EXIT_ERROR, f"cannot read the session cache: {_os_error(exc)}") from None
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise _Failure(
            EXIT_ERROR, f"the session cache {path} is not valid JSON; log in again"
        ) from None
    return data if isinstance(data, dict) else None


def _os_error(exc: OSError) -> str:
    # PermissionError from the private-file checks carries its own advice; a
    # plain OSError names the file and the reason.
    if exc.filename is None:
        return str(exc)
    return f"{exc.filename}: {exc.strerror}"


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
    try:
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
            endpoint_url=args.cognito_endpoint_url or _opt_str(cached.get("endpoint_url")),
            tokens=tokens,
        )
    except (KeyError, TypeError, ValueError):
        # Not chained: the cause could quote a token from the file.
        raise _Failure(
            EXIT_ERROR, f"the session cache {cache_path} is incomplete or damaged; log in again"
        ) from None
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


def _redact(text: str, creds: Credentials, *also: str) -> str:
    # The token appears raw in a header line and percent-encoded in a presigned query.
    for secret in (creds.secret_access_key, creds.session_token, *also):
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
        if args.verbose:
            for hop in (*response.history, response):
                _show_response(hop, creds, result.signature, stderr)
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
                403,
                response.text,
                result.canonical_request,
                (creds.session_token,),
                our_string_to_sign=result.string_to_sign,
            )
            if mismatch is not None:
                print(f"sigv4client: {mismatch}", file=stderr)
    if args.fail and response.status_code >= 400:
        print(f"sigv4client: the requested URL returned error: {response.status_code}", file=stderr)
        return EXIT_HTTP
    return 0


# Response headers that may carry a credential: shown by name only.
_SECRET_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "authorization", "proxy-authorization", "x-amz-security-token"}
)


def _show_response(
    response: requests.Response, creds: Credentials, signature: str, stderr: IO[str]
) -> None:
    # As curl -v shows it: "< " before the status line and each header.
    version = {10: "1.0", 11: "1.1", 20: "2"}.get(getattr(response.raw, "version", 11), "1.1")
    print(f"< HTTP/{version} {response.status_code} {response.reason}", file=stderr)
    for name, value in response.headers.items():
        shown = "<redacted>" if name.lower() in _SECRET_RESPONSE_HEADERS else value
        print(f"< {name}: {_redact(shown, creds, signature)}", file=stderr)
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
        return 130


def _entry() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
