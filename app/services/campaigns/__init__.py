"""Campaigns and who is in them: campaign terms and status, the lists and directory, affiliates joining,
leaving and being reviewed (with the emails that tell them), and affiliates' tracking links."""
