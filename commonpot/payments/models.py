"""Ledger and payment tables. The payments issue adds them."""
