"""Accounts: sign-up, sign-in and passwords, what an admin does with accounts, and merchants' API keys."""
