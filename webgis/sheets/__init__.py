"""The pre-filled verification sheet (住户基础信息核对表, seed §四.1): one household per page."""
