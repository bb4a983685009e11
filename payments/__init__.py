"""Money: the ledger, the Stripe client wrapper and webhooks. The payments issue fills it."""
