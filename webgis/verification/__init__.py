"""Police verification within 7 days (滚动式采集审核)."""
