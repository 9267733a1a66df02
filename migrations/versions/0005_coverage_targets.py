"""coverage targets: spot checks, per-grid target figures and gap items kept by triggers

Revision ID: 0005_coverage_targets
Revises: 0004_row_level_security
Create Date: 2026-11-29 16:00:00
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from webgis.sqlfiles import read

revision = "0005_coverage_targets"
down_revision = "0004_row_level_security"
branch_labels = None
depends_on = None

TRIGGERS = {
    "visit": ("insert", "update", "delete"), "verification": ("insert", "update", "delete"),
    "spot_check": ("insert", "update", "delete"), "key_attention": ("insert", "update", "delete"),
    "household": ("insert", "update", "delete"), "building": ("update", "delete"),
    "person": ("insert", "update", "delete"), "residence": ("insert", "update", "delete"),
    "organisation": ("update",), "grid": ("insert",),
}


def upgrade():
    op.create_table(
        "spot_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("items_checked", sa.Integer(), nullable=False),
        sa.Column("items_matched", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("items_checked >= 0", name="ck_spot_check_items_checked"),
        sa.CheckConstraint("items_matched >= 0 AND items_matched <= items_checked",
                           name="ck_spot_check_items_matched"),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"]),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"]),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["inspector_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for col in ("town_id", "grid_id", "building_id", "household_id", "inspector_id", "checked_at"):
        op.create_index(f"ix_spot_check_{col}", "spot_check", [col])

    op.create_table(
        "coverage_target",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("seed_no", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("goal", sa.Numeric(5, 1), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("part_of", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    counts = ("households", "households_visited", "households_verified", "persons", "persons_linked",
              "spot_items", "spot_matched", "aware_answers", "aware_yes", "satisfied_answers", "satisfied_yes")
    op.create_table(
        "coverage_grid",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        *[sa.Column(c, sa.Integer(), server_default="0", nullable=False) for c in counts],
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("grid_id"),
    )
    op.create_index("ix_coverage_grid_town_id", "coverage_grid", ["town_id"])
    op.create_table(
        "coverage_key_grid",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("key_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("key_set", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("grid_id"),
    )
    op.create_index("ix_coverage_key_grid_town_id", "coverage_key_grid", ["town_id"])
    op.create_table(
        "coverage_gap",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("weight", sa.Integer(), server_default="1", nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("geom_3857", Geometry(geometry_type="POINT", srid=3857, spatial_index=False), nullable=False),
        # The point's coordinates as numbers: binning many points reads them without parsing geometry.
        sa.Column("x", sa.Float(), sa.Computed("ST_X(geom_3857)", persisted=True), nullable=False),
        sa.Column("y", sa.Float(), sa.Computed("ST_Y(geom_3857)", persisted=True), nullable=False),
        sa.CheckConstraint("kind IN ('unvisited', 'unlinked_person', 'orphan_room', 'verification_due')",
                           name="ck_coverage_gap_kind"),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coverage_gap_grid_kind", "coverage_gap", ["grid_id", "kind"])
    op.create_table(
        "coverage_day",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("signed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_visits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("verified_delta", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("grid_id", "day"),
    )
    op.create_index("ix_coverage_day_town_day", "coverage_day", ["town_id", "day"])
    op.create_index("ix_coverage_gap_building", "coverage_gap", ["building_id", "kind"])
    # One spatial index per heat layer (gc_heat's branches repeat their predicates).
    op.create_index("ix_coverage_gap_unvisited_3857", "coverage_gap", ["geom_3857"], postgresql_using="gist",
                    postgresql_where=sa.text("kind = 'unvisited'"))
    op.create_index("ix_coverage_gap_links_3857", "coverage_gap", ["geom_3857"], postgresql_using="gist",
                    postgresql_where=sa.text("kind IN ('unlinked_person', 'orphan_room')"))
    op.create_index("ix_coverage_gap_pending_3857", "coverage_gap", ["geom_3857"], postgresql_using="gist",
                    postgresql_where=sa.text("kind = 'verification_due' AND signed_at IS NULL"))
    op.create_index("ix_coverage_gap_signed_at", "coverage_gap", ["signed_at"],
                    postgresql_where=sa.text("kind = 'verification_due'"))

    op.execute(read("0005_coverage.sql"))
    # Figures for the records already there (a database migrated with data in it).
    op.execute("SELECT gc_refresh_coverage(NULL)")
    op.execute("ANALYZE coverage_grid")
    op.execute("ANALYZE coverage_gap")


def downgrade():
    for table, ops in TRIGGERS.items():
        for o in ops:
            op.execute(f"DROP TRIGGER IF EXISTS coverage_after_{o} ON {table}")
    for view in ("coverage_rate", "coverage_count", "coverage_key", "coverage_person", "coverage_household"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for fn in ("gc_tile_coverage(integer, integer, integer)",
               "gc_heat(text, integer, geometry, timestamp with time zone, integer)",
               "gc_coverage_progress(date, timestamp with time zone)",
               "gc_coverage_after_grid_rows()", "gc_coverage_after_household()", "gc_coverage_after_building()",
               "gc_coverage_after_person()", "gc_coverage_after_residence()", "gc_coverage_after_organisation()",
               "gc_coverage_after_grid()", "gc_coverage_grids(integer[], integer[], integer[], integer[])",
               "gc_refresh_coverage(integer[], text[])", "gc_person_linked(integer)",
               "gc_target_status(bigint, bigint, numeric)", "gc_rate(bigint, bigint)"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    for table in ("coverage_day", "coverage_gap", "coverage_key_grid", "coverage_grid", "coverage_target",
                  "spot_check"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
