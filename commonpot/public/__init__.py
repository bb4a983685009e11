"""Public pages and the read-only open-data API."""
