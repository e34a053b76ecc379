"""``sigv4client local serve``: your OpenAPI export or SAM template on a local gateway.

The gateway accepts one access key made for this run (printed with its secret,
the region and the service, so that any SigV4 client can sign for it) and
the API keys given with ``--api-key``. It serves until interrupted: Ctrl-C, or
SIGTERM (a process manager, ``docker stop``), which the command turns into the
same clean shutdown (exit code 143; see ``sigv4client.cli``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from typing import IO

from ..exceptions import InvalidConfigError
from ._definition import HandlerRef, LocalUserPool, handlers_module
from .gateway import LocalGateway

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigv4client local serve",
        description="Serve an API Gateway export (OpenAPI 3.0, Swagger 2.0) or a SAM template "
        "on 127.0.0.1, with its authorizers, resource policy and Lambda handlers.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--openapi", metavar="FILE", help="an OpenAPI 3.0 or Swagger 2.0 export")
    source.add_argument("--sam", metavar="TEMPLATE", help="an AWS SAM template")
    parser.add_argument(
        "--handlers",
        metavar="MODULE",
        help="a Python module (importable from the current folder) whose HANDLERS dict maps "
        "Lambda function names to handler(event, context) functions or 'module:function' "
        "strings; with --sam it overrides the template's Python handlers",
    )
    parser.add_argument("--api", help="with --sam: the API's logical id, when there are several")
    parser.add_argument("--port", type=_port, default=0, help="the port (default: a free one)")
    parser.add_argument("--stage", help="the stage (default: the file's, else prod or $default)")
    parser.add_argument("--region", help="the region (default: the file's, else us-east-1)")
    parser.add_argument(
        "--api-key", action="append", default=[], help="an API key to accept (repeatable)"
    )
    parser.add_argument(
        "--user-pool",
        action="append",
        default=[],
        metavar="NAME=POOL_ID",
        help="a user pool the file names (id, ARN or SAM logical id) = a local pool's id "
        "(repeatable; needs --cognito-endpoint)",
    )
    parser.add_argument("--cognito-endpoint", metavar="URL", help="the local Cognito (moto) URL")
    parser.add_argument(
        "--app-client-id",
        action="append",
        default=[],
        help="a local app client whose tokens are accepted (repeatable)",
    )
    parser.add_argument(
        "--explain-denials",
        action="store_true",
        help="add IAM's explanation to the body of every 403 of the resource policy",
    )
    return parser


def _port(text: str) -> int:
    # argparse turns this error into a usage error (exit 2) naming --port.
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a port from 0 to 65535 (0, the default, picks a free one)"
        )
    return port


def _user_pools(args: argparse.Namespace) -> dict[str, LocalUserPool]:
    if args.user_pool and not args.cognito_endpoint:
        raise InvalidConfigError("--user-pool needs --cognito-endpoint (the local Cognito's URL)")
    pools = {}
    for item in args.user_pool:
        name, sep, pool_id = item.partition("=")
        if not sep or not name or not pool_id:
            raise InvalidConfigError(f"--user-pool is NAME=POOL_ID, got {item!r}")
        pools[name] = LocalUserPool(
            user_pool_id=pool_id,
            endpoint_url=args.cognito_endpoint,
            app_client_ids=tuple(args.app_client_id),
        )
    return pools


def _handlers(module_name: str | None) -> Mapping[str, HandlerRef]:
    # The current folder is importable while the module loads, as with `python -m`.
    return {} if module_name is None else handlers_module(module_name, os.getcwd())


def main(argv: Sequence[str], out: IO[str], *, stop: threading.Event | None = None) -> int:
    """``sigv4client local serve ...``; serves until interrupted (or ``stop`` is set)."""
    if not argv or argv[0] != "serve":
        _parser().print_usage(out)
        print("sigv4client local: the commands are 'serve' and 'explain'", file=out)
        return 2
    args = _parser().parse_args(list(argv[1:]))
    access_key = "AKIDLOCAL" + secrets.token_hex(6).upper()
    secret_key = secrets.token_urlsafe(24)
    common = {
        "stage": args.stage,
        "region": args.region,
        "api_keys": tuple(args.api_key),
        "credentials": {access_key: secret_key},
        "port": args.port,
        "user_pools": _user_pools(args),
        "explain_denials": args.explain_denials,
    }
    handlers = _handlers(args.handlers)
    try:
        if args.openapi is not None:
            gateway = LocalGateway.from_openapi(args.openapi, handlers=handlers, **common)
        else:
            gateway = LocalGateway.from_sam(args.sam, api=args.api, handlers=handlers, **common)
    except OSError as exc:
        # The gateway binds its socket when it is built: a port taken by another
        # server (EADDRINUSE) or reserved to root (EACCES) is the caller's to change.
        raise InvalidConfigError(
            f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); pass another "
            "--port, or leave it out for a free one"
        ) from exc
    with gateway:
        region = gateway.region or "us-east-1"
        print(f"Serving {gateway.api_type} API at {gateway.url}", file=out)
        print(f"Sign with SigV4: region {region}, service execute-api, keys:", file=out)
        print(f"  export AWS_ACCESS_KEY_ID={access_key}", file=out)
        print(f"  export AWS_SECRET_ACCESS_KEY={secret_key}", file=out)
        print(f"  sigv4client --region {region} {gateway.url}/<path>", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            return 130
    return 0
