-- The coverage trigger of visit, verification, spot_check and key_attention (revision 0005)
-- refreshed EVERY grid of every town, under the all-grids lock, when a statement touched no
-- row (empty transition tables → NULL grid list, which gc_refresh_coverage reads as "all"):
-- an UPDATE matching nothing cost a town-wide recompute and blocked every other writer.
-- Same body, with the guard the residence trigger got in revision 0020.
CREATE OR REPLACE FUNCTION gc_coverage_after_grid_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(x) INTO g FROM (SELECT grid_id FROM old_rows UNION SELECT grid_id FROM new_rows) u(x);
  END IF;
  IF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(g, CASE TG_TABLE_NAME WHEN 'spot_check' THEN ARRAY['spots']
                                                      WHEN 'key_attention' THEN ARRAY['keys']
                                                      ELSE ARRAY['households'] END);
  END IF;
  RETURN NULL;
END $$;
