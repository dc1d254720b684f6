"""PostgreSQL backend that carries the tenant scope into the database session (row-level security).

``ENGINE = "core.db"``: Django's PostgreSQL backend plus one execute wrapper. See ``core.db.base``.
"""
