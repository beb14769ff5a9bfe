"""The command line's ComfyUI server: ``logo-studio server check [URL]`` (what the server is, or
exactly why it cannot be used), ``logo-studio server models [URL]`` (its models with their family,
and its LoRAs: the names ``generate --server URL --model NAME`` takes), and the options every
server command shares. LOGO_STUDIO_SERVER gives the default server.

The sign-in secret never goes on the command line (other users of the computer can read it
there): it comes from LOGO_STUDIO_SERVER_SECRET, else from the credential store where the window
saved it for that server, else it is asked for on the terminal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desktop.cli import EXIT_FAILURE, EXIT_USAGE, fail
from desktop.errors import InvalidParameters, LogoStudioError
from desktop.remote.address import NO_SIGN_IN, SIGN_INS, Credentials, ServerAddress, ServerConnection

SERVER_ENV = "LOGO_STUDIO_SERVER"
SECRET_ENV = "LOGO_STUDIO_SERVER_SECRET"


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """--sign-in, --user and --ca-file, for every command that talks to a server."""
    parser.add_argument(
        "--sign-in",
        choices=SIGN_INS,
        default=NO_SIGN_IN,
        help="how the server signs users in: a bearer token (ComfyUI-Login, proxies), a ?token= (cloud GPU hosts) "
        f"or basic (user and password); the secret comes from {SECRET_ENV}, the credential store, or is asked for",
    )
    parser.add_argument("--user", default="", help="user name, with --sign-in basic")
    parser.add_argument(
        "--ca-file", default="", help="certificate authority (PEM) of a server with a private certificate"
    )


def add_server_command(commands) -> None:
    """``logo-studio server check|models [URL]``."""
    server = commands.add_parser(
        "server",
        help="check a ComfyUI server, or list its models and LoRAs",
        description=f"Talk to a ComfyUI server (default: ${SERVER_ENV}).",
    )
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    for name, text in (
        ("check", "say what the server is (ComfyUI version, GPU and memory) or why it cannot be used"),
        ("models", "list the server's models (with their family) and LoRAs, as --model and --lora take them"),
    ):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        action.add_argument("url", nargs="?", help=f"the server's address (default: ${SERVER_ENV})")
        add_server_options(action)


def chosen_server(value: str | None) -> str:
    """The server a command uses: its --server / URL, else LOGO_STUDIO_SERVER ('' for this computer)."""
    return (value if value is not None else os.environ.get(SERVER_ENV, "")).strip()


def connection_from(args: argparse.Namespace, url: str) -> ServerConnection:
    """The server of ``url`` with the sign-in the options ask for, its secret found as the module
    says. InvalidParameters for a bad address or a secret that cannot be had."""
    from desktop.remote.secrets import SecretStore

    address = ServerAddress.parse(url)
    credentials = Credentials(args.sign_in, args.user)
    if credentials.kind != NO_SIGN_IN:
        secret = os.environ.get(SECRET_ENV, "") or SecretStore().get(address, credentials)
        if not secret and sys.stdin is not None and sys.stdin.isatty():
            secret = getpass.getpass(f"Secret for {address.text}: ")
        credentials = Credentials(credentials.kind, credentials.user, secret)
        if not credentials.complete:
            needs = (
                "a user (--user) and a password" if credentials.kind == "basic" and not credentials.user else "a secret"
            )
            raise InvalidParameters(
                "sign_in", f"Signing in to {address.text} needs {needs}: set {SECRET_ENV}, or save it in the window."
            )
    warning = address.plain_http_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return ServerConnection(address, credentials, args.ca_file)


def run_server(args: argparse.Namespace) -> int:
    """Run ``logo-studio server check|models``; returns the exit code."""
    from desktop.remote.catalog import read_catalog
    from desktop.remote.client import ComfyClient
    from desktop.remote.server_info import check_server

    url = chosen_server(args.url)
    try:
        if not url:
            raise InvalidParameters(
                "server", f"Name the server: logo-studio server {args.server_command} URL, or set {SERVER_ENV}."
            )
        connection = connection_from(args, url)
        with ComfyClient(connection.address, connection.credentials, connection.ca_file) as client:
            info = check_server(client)
            if args.server_command == "check":
                print(info.describe())
                return 0
            catalog = read_catalog(client)
    except InvalidParameters as error:
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    for model in catalog.models:
        family = model.family or "unknown family: pass --family sd15, sdxl or flux"
        print(f"model\t{model.name}\t{family}")
    for lora in catalog.loras:
        print(f"lora\t{lora}")
    return 0
