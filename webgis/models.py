"""Import every model so that metadata (Alembic, tests) sees all tables."""
from webgis.audit.models import AuditEntry  # noqa: F401
from webgis.auth.models import User, user_grid  # noqa: F401
from webgis.buildings.models import Building, Household  # noqa: F401
from webgis.codes.models import CodeItem  # noqa: F401
from webgis.coverage.models import (CoverageDay, CoverageGap, CoverageGrid, CoverageKeyGrid,  # noqa: F401
                                    CoverageTarget)
from webgis.geo.models import Grid, PoliceStation, Road, Town, Village  # noqa: F401
from webgis.inspections.models import SpotCheck  # noqa: F401
from webgis.orgs.models import KeyAttention, Organisation  # noqa: F401
from webgis.people.models import Person, Residence  # noqa: F401
from webgis.routes.models import RoutePlan, RouteStop  # noqa: F401
from webgis.visits.models import ChangeHistory, Verification, Visit  # noqa: F401
from webgis.exchange.models import ExchangeBatch, ExchangeMapping, ExchangeRow  # noqa: F401
