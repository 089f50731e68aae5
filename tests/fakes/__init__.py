"""Stand-ins for outside services, served for real on loopback so the app talks to them as it would in production."""
