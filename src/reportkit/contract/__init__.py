"""The contract: the official labels and editions, the official tables, the schema, totals and the report."""
