"""Actual population (实有人口): persons and their person-house links."""
