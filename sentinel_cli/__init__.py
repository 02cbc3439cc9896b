"""Sentinel: self-hosted compliance automation for SOC 2 and ISO 27001."""

__version__ = "0.1.0"
