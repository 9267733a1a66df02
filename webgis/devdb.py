"""Project-local PostgreSQL + PostGIS cluster under var/ for `make run` and `make test`.

Used only when DATABASE_URL / TEST_DATABASE_URL are not given. The cluster
listens on a Unix socket inside var/ and on no TCP port, so two clones on one
machine never fight over a port. As root the server runs as the `postgres`
system user (PostgreSQL refuses to run as root).

    python -m webgis.devdb ensure   # init if missing, start if stopped, create DBs
    python -m webgis.devdb stop
    python -m webgis.devdb url app|owner|test|test_owner
    python -m webgis.devdb check URL VARIABLE  # one clear line if the URL cannot be reached

Two roles: `gridcheck` owns the tables (migrations, demo loading) and
`gridcheck_app` is what the web app connects as (owns nothing, NOBYPASSRLS), so
row-level security binds the app.

Authentication (pg_hba.conf, rewritten by every `ensure`): only the OS user that runs
`make` (and the server user) may connect as the superuser, by `peer`; the two roles log
in with `scram-sha-256` and passwords generated once into var/ (mode 0600, inside the
URL files). Nothing is `trust`, no TCP port is open: another OS user of the machine can
reach neither the superuser nor the ID numbers.
"""
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DATA = VAR / "pg" / "data"
SOCK = VAR / "pg" / "run"
LOG = VAR / "pg" / "server.log"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# database -> (file with the app role's URL, file with the owner's URL)
DATABASES = {"gridcheck": ("database_url", "owner_database_url"),
             "gridcheck_test": ("test_database_url", "test_owner_database_url")}
OWNER = "gridcheck"  # owns the tables; runs migrations and bulk loads
APP_ROLE = "gridcheck_app"  # what the web app connects as: owns nothing, NOBYPASSRLS

# Settings for a 2-core, 24 GiB machine serving short map queries: JIT off because
# compiling costs more than it saves on millisecond tile queries.
SETTINGS = {
    "listen_addresses": "''",
    "unix_socket_directories": None,  # filled in at init
    "shared_buffers": "'1GB'",
    "work_mem": "'32MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'8GB'",
    "jit": "off",
    "max_connections": "200",
    "random_page_cost": "1.1",
    "max_wal_size": "'4GB'",
    "log_min_messages": "warning",
}


def _as_server_user() -> list[str]:
    """Return the command prefix that runs a server binary as a non-root user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def _server_user() -> str:
    return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def _open_path_for_server_user() -> None:
    """Let the postgres user traverse the directories down to var/ (adds o+x only)."""
    if os.geteuid() != 0:
        return
    for parent in reversed((VAR / "pg").parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            print(f"devdb: allowing traversal (o+x) of {parent} for the postgres user")
            parent.chmod(mode | 0o001)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def _psql(sql: str, db: str = "postgres", user: str | None = None) -> str:
    cmd = [str(PG_BIN / "psql"), "-h", str(SOCK), "-d", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
    if user:
        cmd[1:1] = ["-U", user]
    else:
        cmd[1:1] = ["-U", _server_user()]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def _running() -> bool:
    if not (DATA / "postmaster.pid").exists():
        return False
    r = subprocess.run(_as_server_user() + [str(PG_BIN / "pg_ctl"), "-D", str(DATA), "status"],
                       capture_output=True)
    return r.returncode == 0


def init() -> None:
    """Create the cluster if var/pg/data does not exist yet."""
    if (DATA / "PG_VERSION").exists():
        return
    if not (PG_BIN / "initdb").exists():
        sys.exit(f"devdb: PostgreSQL 15 not found in {PG_BIN}; run `make setup` (apt-get install postgresql-15-postgis-3)")
    DATA.mkdir(parents=True, exist_ok=True)
    SOCK.mkdir(parents=True, exist_ok=True)
    _open_path_for_server_user()
    if os.geteuid() == 0:
        shutil.chown(VAR / "pg", "postgres", "postgres")
        shutil.chown(DATA, "postgres", "postgres")
        shutil.chown(SOCK, "postgres", "postgres")
    DATA.chmod(0o700)
    _run(_as_server_user() + [str(PG_BIN / "initdb"), "-D", str(DATA), "-E", "UTF8", "--locale=C.UTF-8",
                              "--auth-local=peer", "--auth-host=scram-sha-256", "-U", _server_user()],
         stdout=subprocess.DEVNULL)
    conf = dict(SETTINGS, unix_socket_directories=f"'{SOCK}'")
    with open(DATA / "postgresql.auto.conf", "a") as f:
        for k, v in conf.items():
            f.write(f"{k} = {v}\n")
    print(f"devdb: initialised cluster in {DATA}")


def _client_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def hba_conf() -> tuple[str, str]:
    """Return (pg_hba.conf, pg_ident.conf): peer for the superuser, scram-sha-256 for the roles."""
    su = _server_user()
    hba = ("# Written by webgis/devdb.py on every `ensure`; edits are overwritten.\n"
           "# TYPE  DATABASE  USER  METHOD\n"
           f"local   all       {su}  peer map=devdb\n"
           f"local   all       {OWNER},{APP_ROLE}  scram-sha-256\n"
           "# No TCP listener (listen_addresses = ''), hence no host lines.\n")
    ident = ("# Written by webgis/devdb.py: the OS users allowed to act as the cluster's superuser.\n"
             f"devdb  {su}  {su}\n")
    if _client_user() != su:
        ident += f"devdb  {_client_user()}  {su}\n"
    return hba, ident


def write_hba() -> bool:
    """Write pg_hba.conf / pg_ident.conf (replacing an older `trust` set-up); True if changed."""
    hba, ident = hba_conf()
    changed = False
    for name, text in (("pg_hba.conf", hba), ("pg_ident.conf", ident)):
        path = DATA / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            path.chmod(0o600)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
            changed = True
    return changed


def _secret_file(name: str) -> Path:
    """Return var/<name>, created with a generated password (mode 0600) if missing."""
    path = VAR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
    path.chmod(0o600)
    return path


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds a password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    path.chmod(0o600)


def start() -> None:
    """Start the cluster unless it is already running."""
    if _running():
        if write_hba():
            _run(_as_server_user() + [str(PG_BIN / "pg_ctl"), "-D", str(DATA), "reload"], stdout=subprocess.DEVNULL)
            print("devdb: pg_hba.conf rewritten (peer / scram-sha-256), configuration reloaded")
        return
    write_hba()
    if os.geteuid() == 0:
        LOG.touch()
        shutil.chown(LOG, "postgres", "postgres")
    _run(_as_server_user() + [str(PG_BIN / "pg_ctl"), "-D", str(DATA), "-l", str(LOG), "-w", "-t", "60", "start"],
         stdout=subprocess.DEVNULL)
    print(f"devdb: started PostgreSQL (socket {SOCK})")


def create_databases() -> None:
    """Create the two roles, the databases and their extensions (superuser work)."""
    if _psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}'") != "1":
        _psql(f"CREATE ROLE {OWNER} LOGIN NOSUPERUSER")
    if _psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'") != "1":
        _psql(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT")
    # An abandoned transaction of the web app (a killed worker, a dropped client) must not
    # hold its locks for ever: the server ends it after a minute of idleness.
    _psql(f"ALTER ROLE {APP_ROLE} SET idle_in_transaction_session_timeout = '60s'")
    # The owner may act as the app role (SET ROLE): the test suite builds reference rows as
    # owner and everything else as the app role, inside one rolled-back transaction.
    _psql(f"GRANT {APP_ROLE} TO {OWNER}")
    passwords = {}
    for role in (OWNER, APP_ROLE):
        passwords[role] = _secret_file(f"{role}.password").read_text().strip()
        # password_encryption is scram-sha-256 (the PostgreSQL 15 default): a SCRAM verifier is stored.
        _psql(f"SET password_encryption = 'scram-sha-256'; ALTER ROLE {role} PASSWORD '{passwords[role]}'")
    for db, (app_file, owner_file) in DATABASES.items():
        if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") != "1":
            _psql(f"CREATE DATABASE {db} OWNER {OWNER}")
            print(f"devdb: created database {db}")
        _psql("CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting;", db=db)
        _write_private(VAR / app_file, f"postgresql://{APP_ROLE}:{passwords[APP_ROLE]}@/{db}?host={SOCK}\n")
        _write_private(VAR / owner_file, f"postgresql://{OWNER}:{passwords[OWNER]}@/{db}?host={SOCK}\n")


def role_url(role: str, db: str) -> str:
    """URL of database `db` in the local cluster as OWNER or APP_ROLE, with its generated password."""
    password = (VAR / f"{role}.password").read_text().strip()
    return f"postgresql://{role}:{password}@/{db}?host={SOCK}"


def ensure() -> None:
    """Init, start and create databases; idempotent."""
    VAR.mkdir(exist_ok=True)
    # Only the owner lists var/; as root the postgres server user may traverse it (to var/pg).
    VAR.chmod(0o711 if os.geteuid() == 0 else 0o700)
    init()
    start()
    for _ in range(30):
        try:
            _psql("SELECT 1")
            break
        except subprocess.CalledProcessError:
            time.sleep(0.5)
    create_databases()


def stop() -> None:
    """Stop the cluster if it runs."""
    if _running():
        _run(_as_server_user() + [str(PG_BIN / "pg_ctl"), "-D", str(DATA), "-m", "fast", "stop"],
             stdout=subprocess.DEVNULL)


def check(url: str, variable: str) -> None:
    """Exit with one clear message if the database at `url` cannot be reached or lacks PostGIS."""
    import psycopg2

    if not url:
        sys.exit(f"GridCheck: no database configured — set {variable} (postgresql://user@host/db) "
                 "or leave it unset and let `make` start the project-local cluster under var/.")
    try:
        conn = psycopg2.connect(url, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0]
        sys.exit(f"GridCheck: cannot reach the database given by {variable}: {first}")
    with conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        if cur.fetchone() is None:
            sys.exit(f"GridCheck: the database given by {variable} has no PostGIS available "
                     "(install postgresql-15-postgis-3).")
    conn.close()


URL_VARIABLES = {  # kind -> (environment variable, file under var/)
    "app": ("DATABASE_URL", "database_url"),
    "owner": ("OWNER_DATABASE_URL", "owner_database_url"),
    "test": ("TEST_DATABASE_URL", "test_database_url"),
    "test_owner": ("TEST_OWNER_DATABASE_URL", "test_owner_database_url"),
}


def url_for(kind: str) -> str:
    """Return the URL of a kind in URL_VARIABLES: the environment variable, else the local cluster.

    An owner URL not given falls back to the app URL given (a single-role setup, without
    the protection of a separate application role).
    """
    var, file = URL_VARIABLES[kind]
    if os.environ.get(var):
        return os.environ[var]
    if kind.endswith("owner"):
        app_var = URL_VARIABLES["app" if kind == "owner" else "test"][0]
        if os.environ.get(app_var):
            return os.environ[app_var]
    ensure()
    return (VAR / file).read_text().strip()


def main(argv: list[str]) -> None:
    cmd = argv[1] if len(argv) > 1 else "ensure"
    if cmd == "ensure":
        ensure()
    elif cmd == "stop":
        stop()
    elif cmd == "url":  # print the URL for app|owner|test|test_owner, starting the local cluster if needed
        print(url_for(argv[2]))
    elif cmd == "check":
        check(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
