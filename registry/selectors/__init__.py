"""Registry reads, one module per concern; every query goes through the scoped default managers."""
