"""Flask extensions, created unbound so that models and blueprints can import them."""

from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Named constraints, so that Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


T = TypeVar("T")


def app_cache(key: str, factory: Callable[[], T]) -> T:
    """What the running app remembers between requests (``app.extensions[key]``), made on first use.

    On the app rather than in a module global, so that two apps in one process (the tests,
    each on its own database) never share what one of them cached.
    """
    extensions = current_app.extensions
    try:
        return extensions[key]
    except KeyError:
        return extensions.setdefault(key, factory())


def on_postgresql() -> bool:
    """Whether the session's database is PostgreSQL (the few statements written for each)."""
    return db.session.get_bind().dialect.name == "postgresql"
