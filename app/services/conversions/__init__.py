"""Conversions: recording an order against its click once, commissions, fraud flags, the review
state machine, refunds, the review pages' queries, and Stripe Checkout (the merchant's webhook
endpoint and its events) with the merchant's integration page."""
