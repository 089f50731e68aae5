"""A stateful stand-in for the parts of Stripe's API the Connect payouts use, served over HTTP on loopback.

The real `stripe` library talks to it (its API base pointed here), so requests, errors and retries
go through the same code as in production. Shapes follow Stripe's published OpenAPI description.
"""
