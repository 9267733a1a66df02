"""Actual organisations (实有单位) and key-attention records (重点关注)."""
