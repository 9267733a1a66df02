"""数据质量: checks that find records to clean out (duplicates, conflicts, stale, group rentals, impossible)."""
