"""Opening the SQLCipher database: raw key, WAL, synchronous=FULL, checked on every connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3
import sqlite_utils

from spoke_client.store.errors import StoreUnreadable

DB_ERRORS = (sqlcipher3.DatabaseError,)
SYNCHRONOUS_FULL = 2


def connect(path: Path, key: bytes, *, create: bool = False) -> sqlcipher3.Connection:
    """Open (or, with ``create``, make) the encrypted database and check its settings.

    The key is a raw 256-bit key, so SQLCipher runs no PBKDF2 on open; the PIN-derived
    wrapping in the key vault is where the slow, memory-hard derivation happens.
    """
    path = Path(path)
    if len(key) != 32:
        raise ValueError("database key must be 32 bytes")
    if not create and not path.exists():
        raise StoreUnreadable(path=str(path), reason="missing")
    # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves (see transaction()).
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=True)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute("PRAGMA cipher_hmac_algorithm = HMAC_SHA256")
        # Fails here, not later, when the key is wrong or the file is not ours.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")  # no temp files, encrypted or not
        conn.execute("PRAGMA busy_timeout = 5000")
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    except DB_ERRORS as exc:
        conn.close()
        raise StoreUnreadable(path=str(path), reason="key-or-file") from exc
    if str(mode).lower() != "wal" or sync != SYNCHRONOUS_FULL:
        conn.close()
        raise StoreUnreadable(path=str(path), reason="pragmas", journal_mode=mode, synchronous=sync)
    return conn


def wrap(conn: sqlcipher3.Connection) -> sqlite_utils.Database:
    """sqlite-utils over our connection: queries and inserts only; the schema is migrations'."""
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(conn: sqlcipher3.Connection) -> Iterator[sqlcipher3.Connection]:
    """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
