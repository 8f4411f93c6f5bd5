"""Run an emulator in the background, its files in one state directory; say how to connect to it.

The one launcher of the repository: ``python -m cortex_emulator start|stop|env --state DIR`` (see :mod:`cli`) and
every script, check, benchmark and test fixture use it. A state directory holds:

``cortex.db``        the store (kept across restarts)       ``emulator.log``    stdout and stderr of the server
``ready.json``       written by the server once it listens   ``emulator.pid``    the server's pid (its process group)
``connection.json``  the connection (mode 0600: it holds the partner's password), what ``env`` prints

Python API::

    from cortex_emulator import launcher
    with launcher.start("/tmp/state", ["--delay", "0"]) as emu:    # an Emulator; stopped at the end
        emu.connection.url, emu.connection.env(), emu.stats()
    conn = launcher.connection("/tmp/state")                       # of a running one
    launcher.stop("/tmp/state")                                    # SIGTERM to its group, SIGKILL after a grace
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

DEMO_PARTNER = ("demo-partner", "DemoPartner2026")  # as partners.DEMO
FORMATS = ("sh", "json", "yaml")
READY_PREFIX = "cortex-emulator ready "
DEFAULT_TIMEOUT = 30.0
DEFAULT_GRACE = 10.0


class LaunchError(RuntimeError):
    """The emulator did not start (the message ends with its log), or there is none in the state directory."""


@dataclass
class Connection:
    """How to reach one emulator. ``base`` is ``http(s)://127.0.0.1:PORT`` (status page, ``/_emulator/*``)."""

    url: str
    username: str
    password: str
    base: str
    port: int
    pid: int
    state: str
    python: str

    def basic(self) -> str:
        """The ``Authorization`` header value of the partner (UTF-8)."""
        import base64

        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def vars(self) -> dict[str, str]:
        """As Ansible variables (the names the integration targets and molecule read)."""
        return {"cortex_url": self.url, "cortex_username": self.username, "cortex_password": self.password,
                "cortex_emulator_base": self.base, "cortex_emulator_state": self.state,
                "cortex_emulator_python": self.python}

    def env(self) -> dict[str, str]:
        """As environment variables (the ``CORTEX_*`` the modules read, and ``CORTEX_EMULATOR_*``)."""
        return {key.upper(): value for key, value in self.vars().items()}

    def format(self, fmt: str) -> str:
        """``sh``: ``export NAME=value`` lines; ``json``: one object; ``yaml``: ``name: "value"`` lines."""
        if fmt == "sh":
            return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env().items())
        if fmt == "json":
            return json.dumps(self.vars(), indent=2) + "\n"
        if fmt == "yaml":  # a JSON string is a YAML double-quoted scalar
            return "".join(f"{k}: {json.dumps(v)}\n" for k, v in self.vars().items())
        raise ValueError(f"unknown format {fmt!r}: choose among {', '.join(FORMATS)}")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Connection:
        """From ``connection.json`` or from a file in the ``json`` or ``yaml`` format (e.g. integration_config.yml)."""
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError:
            import yaml

            data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise LaunchError(f"{path}: not a connection")
        if "cortex_url" in data:  # the vars() form
            data = {k[len("cortex_emulator_"):] if k.startswith("cortex_emulator_") else k[len("cortex_"):]: v
                    for k, v in data.items() if k.startswith("cortex_")}
            base = str(data.get("base", ""))
            data.setdefault("port", int(base.rsplit(":", 1)[1]) if base.rsplit(":", 1)[-1].isdigit() else 0)
            data.setdefault("pid", 0)
        known = {k: data.get(k, "") for k in cls.__dataclass_fields__}
        known["port"], known["pid"] = int(known["port"] or 0), int(known["pid"] or 0)
        return cls(**{k: v if k in ("port", "pid") else str(v) for k, v in known.items()})


def write_private(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` atomically, readable by its owner only (it may hold a password)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=str(target.parent))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, target)


def _partner_sources(serve_args: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The ``--partner`` / ``--partners-file`` options of the serve options, in order, and the other options."""
    sources, rest = [], []
    i = 0
    while i < len(serve_args):
        arg = serve_args[i]
        for option, kind in (("--partner", "partner"), ("--partners-file", "file")):
            if arg == option and i + 1 < len(serve_args):
                sources.append((kind, serve_args[i + 1]))
                i += 2
                break
            if arg.startswith(option + "="):
                sources.append((kind, arg.split("=", 1)[1]))
                i += 1
                break
        else:
            rest.append(arg)
            i += 1
    return sources, rest


def _partners(state: Path, serve_args: list[str], env: dict | None) -> tuple[tuple[str, str], list[str]]:
    """(the connection's partner, the serve options to run). ``--partner USER:PASSWORD`` options are written to
    ``STATE/partners.yml`` (mode 0600) and given as ``--partners-file``, so no password shows in the process list."""
    from . import partners

    sources, rest = _partner_sources(serve_args)
    try:
        config = partners.resolve(sources, os.environ if env is None else env)
    except partners.PartnerError as exc:
        raise LaunchError(str(exc)) from None
    inline = [partners.inline(value) for kind, value in sources if kind == "partner"]
    args, written = [], False
    for kind, value in sources:
        if kind == "file":
            args += ["--partners-file", value]
        elif not written:
            path = state / "partners.yml"
            write_private(path, "partners:\n" + "".join(
                f"  - {{login: {json.dumps(p.login)}, password: {json.dumps(p.password)}}}\n" for p in inline))
            args += ["--partners-file", str(path)]
            written = True
    return (config.first.login, config.first.password), args + rest


def _has(serve_args: list[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in serve_args)


def _alive(pid: int) -> bool:
    """The process runs (a zombie, waiting for its parent to reap it, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _signal_group(pid: int, sig: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Emulator:
    """A started emulator: its process (when this process started it), files and connection."""

    def __init__(self, state: Path, proc: subprocess.Popen | None, connection: Connection):
        self.state = state
        self.proc = proc
        self.connection = connection
        self.returncode: int | None = None

    # paths and facts
    @property
    def log_path(self) -> Path:
        return self.state / "emulator.log"

    @property
    def ready_file(self) -> Path:
        return self.state / "ready.json"

    @property
    def db(self) -> Path:
        return self.state / "cortex.db"

    @property
    def url(self) -> str:
        return self.connection.url

    @property
    def base(self) -> str:
        return self.connection.base

    @property
    def pid(self) -> int:
        return self.connection.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def ready_line(self) -> str:
        return next((line for line in self.log().splitlines() if line.startswith(READY_PREFIX)), "")

    # the control endpoints (with the connection's partner: they answer within its scope, or globally with
    # --control)
    def _get(self, path: str):
        request = urllib.request.Request(self.base + path, headers={"Authorization": self.connection.basic()})
        with urllib.request.urlopen(request, timeout=10, context=_context(self.base)) as answer:  # noqa: S310
            return json.load(answer)

    def stats(self) -> dict:
        return self._get("/_emulator/stats")

    def pending(self) -> int:
        return self._get("/_emulator/idle")["pending"]

    def wait_idle(self, timeout: float = 30.0, interval: float = 0.01) -> None:
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the emulator still has provisioning requests pending after {timeout} s")
            time.sleep(interval)

    def stop(self, sig: int = signal.SIGTERM, grace: float = DEFAULT_GRACE) -> int | None:
        """Signal the whole process group, SIGKILL after ``grace`` seconds; the exit status when known."""
        if self.returncode is None:
            self.returncode = _stop(self.state, self.proc, sig, grace)
        return self.returncode

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(state: str | os.PathLike, serve_args=(), *, timeout: float = DEFAULT_TIMEOUT, python: str | None = None,
          env: dict | None = None) -> Emulator:
    """Start ``python -m cortex_emulator serve`` in the background, leader of its own process group, its files in
    ``state``; wait until it is ready (at most ``timeout`` s). Defaults added unless given: ``--host 127.0.0.1
    --port 0 --db STATE/cortex.db``. On failure it is stopped and :class:`LaunchError` carries its log."""
    from .store import make_private_dirs

    state = Path(state).absolute()
    make_private_dirs(state)  # 0700 when made here: it holds the database (password hashes) and partners.yml
    serve_args = [str(a) for a in serve_args]
    pid_file = state / "emulator.pid"
    if pid_file.exists():
        try:
            old = int(pid_file.read_text().strip())
        except ValueError:
            old = 0
        if old and _alive(old):
            raise LaunchError(f"an emulator already runs in {state} (pid {old})")
    for name in ("ready.json", "connection.json", "emulator.pid"):
        (state / name).unlink(missing_ok=True)
    python = python or sys.executable
    (username, password), serve_args = _partners(state, serve_args, env)
    args = [python, "-m", "cortex_emulator", "serve"]
    for option, value in (("--host", "127.0.0.1"), ("--port", "0"), ("--db", str(state / "cortex.db"))):
        if not _has(serve_args, option):
            args += [option, value]
    args += [*serve_args, "--ready-file", str(state / "ready.json")]
    with open(state / "emulator.log", "wb") as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    ready = state / "ready.json"
    while not ready.exists():
        if proc.poll() is not None:
            _stop(state, proc, signal.SIGTERM, 1)
            (state / "partners.yml").unlink(missing_ok=True)
            raise LaunchError(f"the emulator exited (status {proc.returncode}) before it was ready"
                              + _log_tail(state))
        if time.monotonic() > deadline:
            _stop(state, proc, signal.SIGTERM, 5)
            (state / "partners.yml").unlink(missing_ok=True)
            raise LaunchError(f"the emulator was not ready after {timeout:g} s" + _log_tail(state))
        time.sleep(0.02)
    (state / "partners.yml").unlink(missing_ok=True)  # read at start; connection.json keeps the one partner needed
    info = json.loads(ready.read_text(encoding="utf-8"))
    connection = Connection(url=info["url"], username=username, password=password,
                            base=info["status_url"].rstrip("/"), port=int(info["port"]), pid=int(info["pid"]),
                            state=str(state), python=python)
    write_private(state / "connection.json", json.dumps(asdict(connection)))
    return Emulator(state, proc, connection)


def _context(base: str):
    """An SSL context for our own emulator over HTTPS (a test certificate): not verified. None for HTTP."""
    if not base.startswith("https:"):
        return None
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _log_tail(state: Path, lines: int = 200) -> str:
    try:
        text = (state / "emulator.log").read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        text = ["(no log)"]
    return f"\n----- emulator log ({state / 'emulator.log'}) -----\n" + "\n".join(text) + "\n----- end of log -----"


def connection(state: str | os.PathLike) -> Connection:
    """The connection of the emulator running in ``state``."""
    path = Path(state).absolute() / "connection.json"
    if not path.exists():
        raise LaunchError(f"no emulator started in {Path(state).absolute()} (no {path.name})")
    return Connection.load(path)


def attach(state: str | os.PathLike) -> Emulator:
    """An :class:`Emulator` for one started elsewhere (stopping it goes through its pid file)."""
    state = Path(state).absolute()
    return Emulator(state, None, connection(state))


def stop(state: str | os.PathLike, *, grace: float = DEFAULT_GRACE, sig: int = signal.SIGTERM) -> int | None:
    """Stop the emulator of ``state`` (quiet when none runs); its exit status when this process started it."""
    return _stop(Path(state).absolute(), None, sig, grace)


def _stop(state: Path, proc: subprocess.Popen | None, sig: int, grace: float) -> int | None:
    pid = proc.pid if proc is not None else None
    if pid is None:
        try:
            pid = int((state / "emulator.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def alive() -> bool:
        return proc.poll() is None if proc is not None else _alive(pid)

    try:
        group = os.getpgid(pid) == pid  # started by start(): it leads its own group, which ends with it
    except ProcessLookupError:
        group = False
    if alive():
        _signal_group(pid, sig, group)
        deadline = time.monotonic() + grace
        while alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive():
            print(f"cortex-emulator: pid {pid} still running {grace:g} s after signal {sig}; sending SIGKILL",
                  file=sys.stderr)
            _signal_group(pid, signal.SIGKILL, group)
    if group:
        _signal_group(pid, signal.SIGKILL, True)  # anything the server left behind in its group
    for name in ("emulator.pid", "connection.json"):  # env now says that none runs
        (state / name).unlink(missing_ok=True)
    if proc is not None:
        return proc.wait()
    return None
