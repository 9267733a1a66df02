"""Territory: town, villages/communities, grids, police stations and roads."""
