"""A real PostgreSQL 15 server for the tests: initdb + pg_ctl from /usr/lib/postgresql/15/bin,
as an unprivileged user (PostgreSQL refuses to run as root; when the tests run as root the
server runs as the `postgres` system user), listening only on a Unix socket in a temp dir,
fsync=off. One server per test session; each engine gets a fresh empty schema.

The database's default collation is ICU `en-US` (where 'a' < 'B'), so the tests prove the
generated SQL orders strings by code point whatever the database collation is."""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from segl.runtime.engines import Engine

NAME = "postgres"
BIN = Path(os.environ.get("SEGL_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"  # the OS user the server runs as when the tests run as root
DATABASE = "segl"
LIMITS: dict[str, str] = {}


@dataclass
class Server:
    root: Path  # temp dir: data/, the socket, the log
    port: int
    run_as: dict[str, Any]  # subprocess arguments (user/group) for server commands
    counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, schema: str | None = None, database: str = DATABASE) -> str:
        """A postgresql:// URL on the Unix socket; with a schema, it comes first on the
        search path (so unqualified tables are created and found there)."""
        url = f"postgresql://postgres@/{database}?host={quote(str(self.root))}&port={self.port}"
        if schema is not None:
            url += "&options=" + quote(f"-c search_path={schema}")
        return url

    def psql(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The Debian psql binary, as the server's user, against the test database."""
        command = [
            str(BIN / "psql"),
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            *args,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, check=check, cwd=self.root, **self.run_as
        )


def _run(command: list[str], server_args: dict[str, Any], cwd: Path) -> None:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, **server_args)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


def start() -> Server:
    missing = [
        tool for tool in ("initdb", "pg_ctl", "postgres", "psql") if not (BIN / tool).exists()
    ]
    if missing:
        raise RuntimeError(
            f"PostgreSQL 15 binaries missing in {BIN}: {', '.join(missing)} "
            "(apt-get install postgresql-15, or set SEGL_PG_BIN)"
        )
    root = Path(tempfile.mkdtemp(prefix="segl-pg-", dir="/tmp"))  # short: socket paths < 108
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {
            "user": account.pw_uid,
            "group": account.pw_gid,
            "extra_groups": [],
            "env": {**os.environ, "HOME": str(root), "USER": SERVER_USER},
        }
    port = 20000 + os.getpid() % 30000
    data = root / "data"
    try:
        _run(
            [
                str(BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--locale-provider=icu",
                "--icu-locale=en-US",
                "--no-sync",
            ],
            run_as,
            root,
        )
        options = (
            f"-k {root} -p {port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            [
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            run_as,
            root,
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    server = Server(root, port, run_as)
    server.psql("-d", "postgres", "-c", f"CREATE DATABASE {DATABASE}")
    return server


def fresh_engine(handle: object, label: str) -> Engine:
    """An engine on a new empty schema (first on its search path) of the test database."""
    from segl.runtime.engine_postgres import open_engine

    assert isinstance(handle, Server)
    schema = fresh_schema(handle, label)
    return open_engine(handle.url(schema))


def fresh_schema(server: Server, label: str) -> str:
    schema = "t{}_{}".format(next(server.counter), re.sub(r"[^a-z0-9_]", "_", label.lower()))[:60]
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"'.encode())
    return schema


def stop(handle: object) -> None:
    assert isinstance(handle, Server)
    try:
        _run(
            [str(BIN / "pg_ctl"), "-D", str(handle.root / "data"), "-m", "immediate", "-w", "stop"],
            handle.run_as,
            handle.root,
        )
    finally:
        shutil.rmtree(handle.root, ignore_errors=True)
