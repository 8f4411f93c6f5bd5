"""SQLite store of record (WAL, synchronous=NORMAL).

One connection, used only from the event loop's thread: every check-and-write runs without an ``await`` in
between, and UNIQUE constraints back the invariants up (code, login, UPN, domain, full name per partner).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("cortex_emulator.store")

SCHEMA_VERSION = 2
FIRST_REQUEST_ID = 45000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    fullname TEXT NOT NULL,
    fullname_key TEXT NOT NULL,
    contactname TEXT NOT NULL DEFAULT '',
    contactemail TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    billingid TEXT NOT NULL DEFAULT '',
    primarydomain TEXT NOT NULL,
    minpwlen INTEGER NOT NULL DEFAULT 8,
    bannerdays INTEGER NOT NULL DEFAULT 0,
    pw_changeatnextlogon INTEGER NOT NULL DEFAULT 0,
    allowneverexpires INTEGER NOT NULL DEFAULT 0,
    roles TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    message TEXT,
    ever_provisioned INTEGER NOT NULL DEFAULT 0,
    deleting INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'customer',
    parent_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (partner_id, fullname_key)
);
CREATE TABLE IF NOT EXISTS domains (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    customer_id INTEGER NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS domains_by_customer ON domains (customer_id, position);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    upn TEXT NOT NULL UNIQUE COLLATE NOCASE,
    firstname TEXT NOT NULL DEFAULT '',
    lastname TEXT NOT NULL DEFAULT '',
    fullname TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    pw_changeatnextlogon INTEGER NOT NULL DEFAULT 0,
    pw_neverexpires INTEGER NOT NULL DEFAULT 0,
    pw_set TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    properties TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    message TEXT,
    ever_provisioned INTEGER NOT NULL DEFAULT 0,
    deleting INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS users_by_customer ON users (customer_id, id);
CREATE TABLE IF NOT EXISTS services (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'NotProvisioned',
    message TEXT,
    ever_provisioned INTEGER NOT NULL DEFAULT 0,
    version TEXT NOT NULL DEFAULT '',
    package TEXT NOT NULL DEFAULT '',
    userpackages TEXT NOT NULL DEFAULT '[]',
    userpackage TEXT NOT NULL DEFAULT '',
    deleting INTEGER NOT NULL DEFAULT 0,
    authdomains TEXT NOT NULL DEFAULT '',
    publicfolder TEXT NOT NULL DEFAULT '{}',
    UNIQUE (customer_id, user_id, code)
);
CREATE INDEX IF NOT EXISTS services_by_plan ON services (customer_id, userpackage);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    object_type TEXT NOT NULL,
    object_key TEXT NOT NULL,
    object_name TEXT NOT NULL,
    object_description TEXT NOT NULL,
    partner_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    deps TEXT NOT NULL DEFAULT '',
    forced_failure TEXT,
    created REAL NOT NULL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS requests_by_status ON requests (status);
"""


def make_private_dirs(path: str | Path) -> None:
    """Create ``path`` and its missing parents, each readable by its owner only (0700); directories that already
    exist are left as they are."""
    path = Path(path).absolute()
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by someone else: theirs
            continue
        os.chmod(directory, 0o700)  # whatever the umask


def _private_file(path: Path) -> None:
    """``path`` (when it exists and is ours) readable and writable by its owner only."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.geteuid() and info.st_mode & 0o777 != 0o600:
        os.chmod(path, 0o600)


def open_db(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the store; autocommit mode, explicit BEGIN/COMMIT around each write. The database
    holds password hashes: its files are made 0600 (SQLite gives its -wal and -shm files the database's mode), and the
    directories created for it 0700."""
    path = Path(path)
    make_private_dirs(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # a new one is never readable by others
    except FileExistsError:
        pass
    for name in (path.name, path.name + "-wal", path.name + "-shm"):  # also those of an earlier version or run
        _private_file(path.with_name(name))
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, cached_statements=512)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-32000")
    # Checkpoints fsync; the Checkpointer thread runs them so that the event loop never waits on the disk.
    conn.execute("PRAGMA wal_autocheckpoint=0")
    _add_columns(conn)  # databases of earlier versions (before the SCHEMA's indexes, which may name new columns)
    conn.executescript(SCHEMA)
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if row is None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        # Request ids are global and increasing from 45000, like the ids observed on real servers.
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'requests', ? "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name='requests')",
            (FIRST_REQUEST_ID - 1,),
        )
        conn.execute("COMMIT")
    elif int(row["value"]) == 1:  # the columns were added above; the partners' resellers are made at start
        conn.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
    elif int(row["value"]) != SCHEMA_VERSION:
        raise RuntimeError(f"{path}: schema version {row['value']} is not supported (expected {SCHEMA_VERSION})")
    return conn


# Columns added since the first schema: table -> [(column, declaration)].
ADDED_COLUMNS = {
    "partners": [("customer_id", "INTEGER NOT NULL DEFAULT 0")],
    "customers": [("kind", "TEXT NOT NULL DEFAULT 'customer'"), ("parent_id", "INTEGER NOT NULL DEFAULT 0")],
    "services": [("deleting", "INTEGER NOT NULL DEFAULT 0"), ("authdomains", "TEXT NOT NULL DEFAULT ''"),
                 ("publicfolder", "TEXT NOT NULL DEFAULT '{}'")],
}


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, added in ADDED_COLUMNS.items():
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not columns:  # a new database: the SCHEMA creates the table
            continue
        for column, declaration in added:
            if column not in columns:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


class Checkpointer(threading.Thread):
    """Copies the WAL back into the database file from its own connection and thread (PASSIVE checkpoints never
    block the writer). The sqlite3 module releases the GIL while SQLite works, so the loop keeps serving."""

    def __init__(self, path: str | Path, interval: float = 1.0):
        super().__init__(name="sqlite-checkpointer", daemon=True)
        self.path = str(path)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
        try:
            while not self.stopping.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # busy or locked: try again at the next tick
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
