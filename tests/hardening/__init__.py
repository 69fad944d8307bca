"""Tests that attack the service: generated bad input, path tricks, load, crashes, the webhook,
security headers and leaks (issue 7, docs/reliability.md)."""
