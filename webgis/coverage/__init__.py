"""Coverage: the six targets (三个100%、三个95%) per grid, village and town, the gap heatmaps
and the uncovered-buildings list. The formulas live in webgis/sql/0005_coverage.sql."""
