"""``python -m cortex_emulator serve|start|stop|env``: the command line (docs/emulator.md).

``serve`` runs the emulator in the foreground (:mod:`server`); ``start``, ``stop`` and ``env`` run one in the
background with its files in a state directory and say how to reach it (:mod:`launcher`).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__, faults, launcher, partners
from .httpguard import Limits

DEMO_PARTNER = launcher.DEMO_PARTNER
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _partner(value: str) -> tuple[str, str]:
    try:
        partners.inline(value)
    except partners.PartnerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return ("partner", value)


def _partners_file(value: str) -> tuple[str, str]:
    return ("file", value)


def _fault_kinds(value: str) -> tuple[str, ...]:
    try:
        return faults.parse_kinds(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _latency(value: str) -> tuple[float, float]:
    try:
        return faults.parse_latency(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(kind):
    def convert(value: str):
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return number
    return convert


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
    serve.add_argument("--partner", type=_partner, action="append", dest="partner_sources", metavar="USER:PASSWORD",
                       help="partner account (repeatable; visible to `ps`: prefer --partners-file or "
                            f"${partners.ENV_VAR}); default: the demo partner")
    serve.add_argument("--partners-file", type=_partners_file, action="append", dest="partner_sources",
                       metavar="FILE", help="YAML file of partner accounts and their reseller customers (repeatable)")
    serve.add_argument("--location", default=None, metavar="NAME",
                       help="deployment location customers and their services show (default 'Location CFY')")
    serve.add_argument("--catalog", help="YAML catalogue replacing sections of the default one")
    serve.add_argument("--delay", type=_non_negative(float), default=1.0,
                       help="seconds each provisioning request spends InProgress (default 1.0; 0 = immediate)")
    serve.add_argument("--workers", type=int, default=4, help="provisioning workers (default 4)")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="probability of a fault per API request (0-1)")
    serve.add_argument("--fault-kinds", type=_fault_kinds, default=faults.DEFAULT_KINDS,
                       help=f"comma-separated subset of {','.join(faults.KINDS)} "
                            f"(default {','.join(faults.DEFAULT_KINDS)})")
    serve.add_argument("--latency", type=_latency, default=(0.0, 0.0), metavar="SECONDS[:JITTER]",
                       help="hold every CortexAPI answer back SECONDS (uniformly +-JITTER, never below 0), as a real "
                            "CPSM's IIS and SQL time; other requests go on meanwhile; not the status page or "
                            "/_emulator/* (default 0)")
    serve.add_argument("--empty-write-answers", action="store_true",
                       help="answer every accepted SET/DELETE without its request ids, as <response version=\"1.0\" />")
    serve.add_argument("--seed", type=int,
                       help="seed of the fault and --latency jitter generators (reproducible faults and latencies)")
    serve.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument("--ready-file", help="also write the ready information as JSON to this file")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="warning", help="log level (default warning)")
    serve.add_argument("--control", action="store_true",
                       help="/_emulator/* act on the whole emulator (every partner), and stats/idle need no login")
    serve.add_argument("--public-status", action="store_true",
                       help="the status page shows every partner's clients to anyone (demos); default: a partner "
                            "login, its own clients")
    limits = serve.add_argument_group("limits", "what one connection or request may cost (docs/emulator.md)")
    d = Limits()
    limits.add_argument("--max-header-size", type=_positive(int), default=d.max_header_bytes, metavar="BYTES",
                        help=f"request line and headers (431 beyond; default {d.max_header_bytes})")
    limits.add_argument("--header-timeout", type=_positive(float), default=d.header_timeout, metavar="SECONDS",
                        help=f"to send a complete request head (408 and closed; default {d.header_timeout:g})")
    limits.add_argument("--body-timeout", type=_positive(float), default=d.body_timeout, metavar="SECONDS",
                        help=f"to send the whole body after the head (closed; default {d.body_timeout:g})")
    limits.add_argument("--keep-alive-timeout", type=_positive(float), default=60.0, metavar="SECONDS",
                        help="idle time before a kept-alive connection is closed (default 60)")
    limits.add_argument("--max-connections", type=_positive(int), default=d.max_connections, metavar="N",
                        help=f"open connections (503 and closed beyond; default {d.max_connections})")
    limits.add_argument("--max-body-size", type=_positive(int), default=d.max_body_bytes, metavar="BYTES",
                        help=f"one request body (400 beyond; default {d.max_body_bytes})")
    limits.add_argument("--max-buffered-bytes", type=_positive(int), default=d.max_buffered_bytes, metavar="BYTES",
                        help=f"request bodies being read, all together (503 beyond; default {d.max_buffered_bytes})")
    limits.add_argument("--max-xml-depth", type=_positive(int), default=d.max_xml_depth, metavar="N",
                        help=f"XML nesting levels (400 beyond; default {d.max_xml_depth})")
    limits.add_argument("--max-xml-elements", type=_positive(int), default=d.max_xml_elements, metavar="N",
                        help=f"XML elements in one request (400 beyond; default {d.max_xml_elements})")
    limits.add_argument("--max-xml-attributes", type=_positive(int), default=d.max_xml_attributes, metavar="N",
                        help=f"XML attributes in one request (400 beyond; default {d.max_xml_attributes})")
    limits.add_argument("--max-xml-attributes-per-element", type=_positive(int),
                        default=d.max_xml_attributes_per_element, metavar="N",
                        help=f"XML attributes of one element (400 beyond; default {d.max_xml_attributes_per_element})")

    start = sub.add_parser("start", help="run an emulator in the background, print its connection when ready",
                           allow_abbrev=False,
                           description="Any option not listed here goes to `serve` (defaults: --host 127.0.0.1 "
                                       "--port 0 --db STATE/cortex.db).")
    _state(start)
    start.add_argument("--timeout", type=_non_negative(float), default=launcher.DEFAULT_TIMEOUT,
                       help=f"seconds to wait until it is ready (default {launcher.DEFAULT_TIMEOUT:g})")
    _output(start, default="sh", none=True)
    stop = sub.add_parser("stop", help="stop the emulator of a state directory (quiet when none runs)")
    _state(stop)
    stop.add_argument("--grace", type=_non_negative(float), default=launcher.DEFAULT_GRACE,
                      help=f"seconds between SIGTERM and SIGKILL (default {launcher.DEFAULT_GRACE:g})")
    env = sub.add_parser("env", help="print the connection of a running emulator, or of a connection file")
    source = env.add_mutually_exclusive_group(required=True)
    source.add_argument("--state", help="the state directory given to start")
    source.add_argument("--from", dest="source", metavar="FILE",
                        help="a connection written by --format json|yaml (e.g. tests' integration_config.yml)")
    _output(env, default="sh")
    stats = sub.add_parser("stats", help="print the counters of a running emulator (its /_emulator/stats)")
    _state(stats)
    stats.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    return parser


def stats_text(stats: dict) -> str:
    """/_emulator/stats in three lines."""
    actions = ", ".join(f"{k} {v}" for k, v in stats["by_action"].items())
    provisioning = ", ".join(f"{k} {v}" for k, v in stats["provisioning"].items())
    faults = ", ".join(f"{k}: {v}" for k, v in stats["faults"].items() if v) or "none"
    return (f"API requests: {stats['requests']} ({stats['writes']} writes): {actions}\n"
            f"provisioning requests: {provisioning}\nfaults applied: {faults}\n")


def _state(parser) -> None:
    parser.add_argument("--state", required=True, metavar="DIR", help="directory of the emulator's files")


def _output(parser, default: str, none: bool = False) -> None:
    choices = launcher.FORMATS + (("none",) if none else ())
    parser.add_argument("--format", choices=choices, default=default,
                        help=f"sh: export lines; json; yaml: name: \"value\" lines (default {default})")
    parser.add_argument("--output", metavar="FILE", help="write the connection there (mode 0600), not on stdout")


def _emit(connection, args) -> None:
    if args.format == "none":
        return
    text = connection.format(args.format)
    if args.output:
        launcher.write_private(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _background(args, extra: list[str]) -> int:
    try:
        if args.command == "start":
            if extra:  # the serve options must parse here, so that a typo fails before anything starts
                build_parser().parse_args(["serve", "--db", "x", *extra])
            emulator = launcher.start(args.state, extra, timeout=args.timeout)
            _emit(emulator.connection, args)
        elif args.command == "stop":
            launcher.stop(args.state, grace=args.grace)
        elif args.command == "stats":
            stats = launcher.attach(args.state).stats()
            sys.stdout.write(json.dumps(stats, indent=2) + "\n" if args.format == "json" else stats_text(stats))
        else:
            connection = (launcher.connection(args.state) if args.state
                          else launcher.Connection.load(args.source))
            _emit(connection, args)
    except (launcher.LaunchError, OSError) as exc:
        print(f"cortex-emulator {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command != "start" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command != "serve":
        return _background(args, extra)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("cortex-emulator: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("cortex-emulator: --workers must be at least 1", file=sys.stderr)
        return 2
    if not 0 <= args.fault_rate <= 1:
        print("cortex-emulator: --fault-rate must be between 0 and 1", file=sys.stderr)
        return 2
    try:
        config = partners.resolve(args.partner_sources)
    except partners.PartnerError as exc:
        print(f"cortex-emulator: {exc}", file=sys.stderr)
        return 2
    for warning in config.warnings:
        print(f"cortex-emulator: warning: {warning}", file=sys.stderr)
    from . import server  # uvicorn and the store: only to serve

    return server.run(args, config)
