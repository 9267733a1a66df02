"""Actual houses (实有房屋): buildings, their households/rooms and standard addresses."""
