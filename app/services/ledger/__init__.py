"""The append-only ledger: writing entries, affiliates' balances summed from it, and checking the books."""
