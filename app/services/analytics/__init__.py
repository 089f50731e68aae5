"""Figures about the programme: the dashboards' counts and sums."""
