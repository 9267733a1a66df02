"""Login, users, roles and scope."""
