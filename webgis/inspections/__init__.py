"""Inspection and acceptance (检查验收): spot checks of the collected data by location."""
