"""GridCheck (网格核查): map-centric platform for door-to-door verification campaigns."""
import logging
import secrets

from flask import Flask

from webgis.config import ROOT, Config
from webgis.extensions import csrf, db, login_manager, migrate

log = logging.getLogger(__name__)


def _secret_key() -> str:
    """Return a persistent secret key for the local install (var/secret_key), creating it once."""
    path = ROOT / "var" / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(config: object | dict | None = None) -> Flask:
    """Create and configure the GridCheck Flask application."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key()
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError(
            "GridCheck: no database configured — set DATABASE_URL, or run `make run` "
            "to start the project-local cluster under var/."
        )
    app.json.ensure_ascii = False
    _install_proxy_fix(app)

    from webgis import inputs

    inputs.install(app)  # before the blueprints: their <int:...> routes use the int4 converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    from webgis import models  # noqa: F401  (register every table)
    from webgis.api import register_error_handlers
    from webgis.audit.views import bp as audit_bp
    from webgis.auth.views import bp as auth_bp
    from webgis.buildings.views import bp as buildings_bp
    from webgis.coverage.views import bp as coverage_bp
    from webgis.demo.cli import demo_command
    from webgis.inspections.views import bp as inspections_bp
    from webgis.exchange.views import bp as exchange_bp
    from webgis.quality.views import bp as quality_bp
    from webgis.map.api import bp as layers_bp
    from webgis.map.views import bp as map_bp
    from webgis.offline.views import bp as offline_bp
    from webgis.people.views import bp as people_bp
    from webgis.routes.views import bp as routes_bp
    from webgis.security import register_csrf_error_handler, register_security_headers
    from webgis.users.views import bp as users_bp
    from webgis.sheets.views import bp as sheets_bp
    from webgis.verification.views import bp as verification_bp
    from webgis.visits.views import bp as visits_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(map_bp)
    app.register_blueprint(layers_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(buildings_bp)
    app.register_blueprint(coverage_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(quality_bp)
    app.register_blueprint(verification_bp)
    app.register_blueprint(sheets_bp)
    app.register_blueprint(routes_bp)
    app.register_blueprint(inspections_bp)
    app.register_blueprint(offline_bp)
    app.cli.add_command(demo_command)
    register_error_handlers(app)
    from webgis.auth.chrome import chrome_context

    app.context_processor(chrome_context)  # the top bar's town name and links, on every page
    register_security_headers(app)
    register_csrf_error_handler(app)
    _install_scope(app)
    from webgis.map import tileserver

    # Tests read tiles through the app's (rolled-back) session; production through its own
    # autocommit pool (one round trip per tile).
    app.config.setdefault("TILE_SERVER_USE_SESSION", bool(app.testing))
    tileserver.install(app)
    return app


def _install_proxy_fix(app: Flask) -> None:
    """Trust the TLS proxy's forwarded headers from exactly the configured number of hops.

    BEHIND_TLS_PROXY set in the config given to create_app (tests) also makes the cookies
    Secure; X-Forwarded-For is trusted only with TRUSTED_FORWARDED_FOR.
    """
    hops = int(app.config.get("BEHIND_TLS_PROXY") or 0)
    if not hops:
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["PREFERRED_URL_SCHEME"] = "https"
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config.get("TRUSTED_FORWARDED_FOR") or 0),
                            x_proto=hops, x_host=hops, x_port=hops, x_prefix=0)


def _install_scope(app: Flask) -> None:
    """Hand each request's user scope to PostgreSQL (row-level security), per transaction."""
    from flask_login import current_user
    from flask_sqlalchemy.session import Session

    from webgis import scope

    scope.install(Session)

    @app.before_request
    def _set_scope():
        if current_user.is_authenticated:
            user = current_user._get_current_object()
            scope.set_request_scope(db.session, scope.scope_of(db.session, user))
