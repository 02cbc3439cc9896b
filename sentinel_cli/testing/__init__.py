"""Local stand-ins for external services (a GitHub REST API), shared by tests, bench and the demo."""
