-- Revision 0016: where a visit was recorded.
--
-- The door-to-door form sends the phone's position when the browser gives one (the
-- Geolocation API: a WGS 84 point and the radius of its 95%-ish accuracy circle, metres).
-- Optional: no fix, or a refused permission, leaves both NULL. The spot-check sampler reads
-- it to pick "visits recorded far from the building" (webgis/inspections/services.py).

ALTER TABLE visit ADD COLUMN geom geometry(Point, 4326);
ALTER TABLE visit ADD COLUMN accuracy_m real;
ALTER TABLE visit ADD CONSTRAINT visit_accuracy_m_check CHECK (accuracy_m IS NULL OR accuracy_m >= 0);
ALTER TABLE visit ADD CONSTRAINT visit_geom_lonlat_check
  CHECK (geom IS NULL OR (ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90));
ALTER TABLE visit ADD CONSTRAINT visit_accuracy_needs_geom_check CHECK (accuracy_m IS NULL OR geom IS NOT NULL);

-- A spot check's targeted pick "走访位置距楼栋过远" (far_visit) joins the pick codes of 0014.
ALTER TABLE spot_check DROP CONSTRAINT spot_check_pick_check;
ALTER TABLE spot_check ADD CONSTRAINT spot_check_pick_check
  CHECK (pick IN ('random', 'floor', 'short_visit', 'only_verified', 'far_visit'));
