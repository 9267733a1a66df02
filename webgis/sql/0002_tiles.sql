-- Mapbox vector tiles for the map layers. Each is a plpgsql function so that its
-- query plan is prepared once per connection and reused (planning a tile query
-- sent with literal values costs more than running it). Geometry is read from the
-- stored EPSG:3857 columns, whose GiST indexes match ST_TileEnvelope directly.

-- Buildings: points below z16, footprints (or the point where none) from z16.
CREATE OR REPLACE FUNCTION gc_tile_buildings(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  -- 64/4096 of a tile of margin, so symbols on a tile edge are drawn on both sides.
  search geometry := ST_TileEnvelope(z, x, y, margin => 64.0 / 4096);
  mvt bytea;
BEGIN
  IF z >= 16 THEN
    SELECT ST_AsMVT(t, 'buildings', 4096, 'geom', 'id') INTO mvt FROM (
      SELECT b.id, b.collection_status AS status, b.building_type AS btype,
             ST_AsMVTGeom(COALESCE(b.footprint_3857, b.geom_3857), bounds, 4096, 64, true) AS geom
        FROM building b
       WHERE COALESCE(b.footprint_3857, b.geom_3857) && search) t;
  ELSE
    SELECT ST_AsMVT(t, 'buildings', 4096, 'geom', 'id') INTO mvt FROM (
      SELECT b.id, b.collection_status AS status,
             ST_AsMVTGeom(b.geom_3857, bounds, 4096, 64, true) AS geom
        FROM building b
       WHERE b.geom_3857 && search) t;
  END IF;
  RETURN mvt;
END $$;

-- Grids with their collection aggregates (the town-zoom view of progress).
CREATE OR REPLACE FUNCTION gc_tile_grids(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  mvt bytea;
BEGIN
  SELECT ST_AsMVT(t, 'grids', 4096, 'geom', 'id') INTO mvt FROM (
    SELECT g.id, g.name, v.name AS village,
           coalesce(s.buildings, 0) AS buildings,
           coalesce(s.not_visited, 0) AS not_visited,
           coalesce(s.visited, 0) AS visited,
           coalesce(s.verified, 0) AS verified,
           ST_AsMVTGeom(g.geom_3857, bounds, 4096, 64, true) AS geom
      FROM grid g
      JOIN village v ON v.id = g.village_id
      LEFT JOIN LATERAL (
        SELECT count(*) AS buildings,
               count(*) FILTER (WHERE b.collection_status = 'not_visited') AS not_visited,
               count(*) FILTER (WHERE b.collection_status = 'visited') AS visited,
               count(*) FILTER (WHERE b.collection_status = 'verified') AS verified
          FROM building b WHERE b.grid_id = g.id) s ON true
     WHERE g.geom_3857 && bounds) t;
  RETURN mvt;
END $$;

-- Village / community boundaries.
CREATE OR REPLACE FUNCTION gc_tile_villages(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  mvt bytea;
BEGIN
  SELECT ST_AsMVT(t, 'villages', 4096, 'geom', 'id') INTO mvt FROM (
    SELECT v.id, v.name, v.kind,
           ST_AsMVTGeom(v.geom_3857, bounds, 4096, 64, true) AS geom
      FROM village v WHERE v.geom_3857 && bounds) t;
  RETURN mvt;
END $$;

-- Roads: main roads only below z14, every lane from z14.
CREATE OR REPLACE FUNCTION gc_tile_roads(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  mvt bytea;
BEGIN
  SELECT ST_AsMVT(t, 'roads', 4096, 'geom', 'id') INTO mvt FROM (
    SELECT r.id, r.name, r.kind,
           ST_AsMVTGeom(r.geom_3857, bounds, 4096, 64, true) AS geom
      FROM road r
     WHERE r.geom_3857 && bounds AND (z >= 14 OR r.kind = 'main')) t;
  RETURN mvt;
END $$;
