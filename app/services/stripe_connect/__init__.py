"""Paying affiliates through Stripe Connect: their Express accounts and onboarding, the payout runs that
make one transfer per approved request, the platform's Connect webhooks, and the comparison of our books
with Stripe's transfers."""
