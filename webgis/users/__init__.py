"""User and scope management (用户管理) for the town grid office."""
