"""Payouts: affiliates' payout details and requests, the request state machine, the admin queue's
queries, the bank's batch file and results import, payment proofs, and the emails about decisions."""
