"""Registry writes, one module per concern (institutions, staff, documents, filings, receipts)."""
