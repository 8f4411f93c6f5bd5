"""``python -m cortex_emulator serve …``: start the emulator and print one ready line."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import random
import signal
import socket
import sqlite3
import sys
import tempfile
from pathlib import Path

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from . import __version__
from .api import Cortex
from .app import API_PATH, FAULT_KINDS, EmulatorApp, Faults
from .catalog import CatalogError, load_catalog
from .engine import Engine
from .store import Checkpointer, open_db

DEMO_PARTNER = ("demo-partner", "DemoPartner2026")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
_signals_seen: list[int] = []  # SIGTERM/SIGINT received outside uvicorn's own handlers (e.g. during startup)


def _partner(value: str) -> tuple[str, str]:
    user, colon, password = value.partition(":")
    if not colon or not user or not password:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def _fault_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(k.strip().lower() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"choose among {','.join(FAULT_KINDS)}")
    return kinds


def _non_negative(kind):
    def convert(value: str):
        number = kind(value)
        if number < 0:
            raise argparse.ArgumentTypeError("must not be negative")
        return number
    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cortex_emulator",
                                     description="A CortexAPI (EMS-Cortex / Citrix CPSM) server for tests and demos.")
    parser.add_argument("--version", action="version", version=f"cortex_emulator {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8443, help="TCP port; 0 picks a free one (default 8443)")
    serve.add_argument("--db", required=True, help="SQLite file holding the state (created if missing)")
    serve.add_argument("--partner", type=_partner, action="append", metavar="USER:PASSWORD",
                       help="partner account (repeatable); default: the demo partner")
    serve.add_argument("--catalog", help="YAML catalogue replacing sections of the default one")
    serve.add_argument("--delay", type=_non_negative(float), default=1.0,
                       help="seconds each provisioning request spends InProgress (default 1.0; 0 = immediate)")
    serve.add_argument("--workers", type=int, default=4, help="provisioning workers (default 4)")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="probability of a fault per API request (0-1)")
    serve.add_argument("--fault-kinds", type=_fault_kinds, default=FAULT_KINDS,
                       help=f"comma-separated subset of {','.join(FAULT_KINDS)} (default all)")
    serve.add_argument("--seed", type=int, help="seed of the fault generator (reproducible faults)")
    serve.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument("--ready-file", help="also write the ready information as JSON to this file")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="warning", help="log level (default warning)")
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _write_ready_file(path: str, info: dict) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ready-", dir=str(target.parent))
    with os.fdopen(fd, "w") as handle:
        json.dump(info, handle)
    os.replace(tmp, target)


async def _serve(args, partners: dict[str, str]) -> int:
    try:
        catalog = load_catalog(args.catalog)
    except CatalogError as exc:
        print(f"cortex-emulator: {exc}", file=sys.stderr)
        return 2
    try:
        conn = open_db(args.db)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        print(f"cortex-emulator: cannot open the database {args.db}: {exc}", file=sys.stderr)
        return 2
    engine = Engine(conn, delay=args.delay, workers=args.workers)
    cortex = Cortex(conn, catalog, engine)
    faults = Faults(args.fault_rate, args.fault_kinds, random.Random(args.seed))
    app = EmulatorApp(cortex, partners, faults)

    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"cortex-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        conn.close()
        return 2
    port = sock.getsockname()[1]
    checkpointer = Checkpointer(args.db)
    checkpointer.start()
    try:
        import httptools  # noqa: F401
        http = "httptools"
    except ImportError:  # pragma: no cover - httptools is a declared dependency
        http = "h11"
    # All logs on stderr: stdout carries only the ready line.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    for handler in log_config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    config = uvicorn.Config(
        app, http=http, ws="none", lifespan="off", interface="asgi3", log_level=args.log_level, log_config=log_config,
        access_log=args.log_level in ("info", "debug"), server_header=False, timeout_keep_alive=60,
        timeout_graceful_shutdown=5, ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key,
    )
    server = uvicorn.Server(config)

    await engine.start()
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if _signals_seen:
        server.should_exit = True
    if serving.done():  # startup failed (e.g. a bad TLS file)
        await engine.stop()
        checkpointer.stop()
        conn.close()
        try:
            serving.result()
        except BaseException as exc:  # noqa: BLE001 - reported, not raised: a clean exit status
            print(f"cortex-emulator: the server did not start: {exc}", file=sys.stderr)
        return 2

    scheme = "https" if args.tls_cert else "http"
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "") else ("[::1]" if args.host == "::" else args.host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"{scheme}://{shown}:{port}"
    names = list(partners)
    if args.ready_file:
        _write_ready_file(args.ready_file, {"url": base + API_PATH, "status_url": base + "/", "port": port,
                                            "pid": os.getpid(), "partners": names})
    print(f"cortex-emulator ready url={base}{API_PATH} status={base}/ partner={','.join(names)}", flush=True)

    try:
        await serving
    finally:
        await engine.stop()
        checkpointer.stop()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # busy: the WAL is simply replayed at the next start
            pass
        conn.close()
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("cortex-emulator: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("cortex-emulator: --workers must be at least 1", file=sys.stderr)
        return 2
    if not 0 <= args.fault_rate <= 1:
        print("cortex-emulator: --fault-rate must be between 0 and 1", file=sys.stderr)
        return 2
    partners = dict(args.partner or [DEMO_PARTNER])
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # uvicorn re-raises the signal it caught once it has shut down; with these handlers installed, that re-raise
    # is a no-op and we get to close the store and exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: _signals_seen.append(signum))
    try:
        import uvloop
        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_serve(args, partners))
