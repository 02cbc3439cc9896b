"""Billing: plans, metering, enforced limits and the CLI."""
