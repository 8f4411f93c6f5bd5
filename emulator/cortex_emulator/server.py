"""``serve``: open the store, build the backend and the app, serve them with uvicorn, print the ready line."""

from __future__ import annotations

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

from .app import API_PATH, EmulatorApp
from .httpguard import Limits, protocol_class
from .catalog import CatalogError, load_catalog
from .engine import Engine
from .faults import Faults, Latency
from .models import Backend, SetupError
from .models.records import DEFAULT_LOCATION
from .partners import Config
from .store import Checkpointer, open_db

_signals_seen: list[int] = []  # SIGTERM/SIGINT received outside uvicorn's own handlers (e.g. during startup)


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


async def _serve(args, accounts: Config) -> int:
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
    backend = Backend(conn, catalog, engine, location=args.location or DEFAULT_LOCATION)
    try:
        partner_ids = backend.setup(accounts.provider, accounts.partners)
    except SetupError as exc:
        print(f"cortex-emulator: {exc}", file=sys.stderr)
        conn.close()
        return 2
    faults = Faults(args.fault_rate, args.fault_kinds, random.Random(args.seed))
    latency = Latency.seeded(*args.latency, args.seed)
    limits = Limits(max_header_bytes=args.max_header_size, header_timeout=args.header_timeout,
                    body_timeout=args.body_timeout, max_connections=args.max_connections,
                    max_body_bytes=args.max_body_size, max_buffered_bytes=args.max_buffered_bytes,
                    max_xml_depth=args.max_xml_depth, max_xml_elements=args.max_xml_elements,
                    max_xml_attributes=args.max_xml_attributes,
                    max_xml_attributes_per_element=args.max_xml_attributes_per_element)
    app = EmulatorApp(backend, accounts.partners, partner_ids, faults, empty_write_answers=args.empty_write_answers,
                      limits=limits, control_global=args.control, public_status=args.public_status,
                      latency=latency)

    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"cortex-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        conn.close()
        return 2
    port = sock.getsockname()[1]
    checkpointer = Checkpointer(args.db)
    checkpointer.start()
    http = protocol_class(limits)  # uvicorn's httptools protocol with the head/body/connection limits
    # All logs on stderr: stdout carries only the ready line.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    for handler in log_config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    config = uvicorn.Config(
        app, http=http, ws="none", lifespan="off", interface="asgi3", log_level=args.log_level, log_config=log_config,
        access_log=args.log_level in ("info", "debug"), server_header=False,
        timeout_keep_alive=args.keep_alive_timeout, backlog=2048,
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
    names = [p.login for p in accounts.partners]
    print(f"cortex-emulator ready url={base}{API_PATH} status={base}/ partner={','.join(names)}", flush=True)
    if args.ready_file:  # last: whoever waits for the file finds the ready line already in the output
        _write_ready_file(args.ready_file, {"url": base + API_PATH, "status_url": base + "/", "port": port,
                                            "pid": os.getpid(), "partners": names})

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


def run(args, accounts: Config) -> int:
    """Serve until SIGTERM or SIGINT; the exit status (0 after a clean stop, 2 when it could not start)."""
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
        return runner.run(_serve(args, accounts))
