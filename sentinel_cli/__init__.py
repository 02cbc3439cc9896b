"""Sentinel: self-hosted compliance automation: AWS and GitHub evidence mapped to the controls of
compliance frameworks (one YAML file each in ``sentinel_cli/frameworks``)."""

__version__ = "0.1.0"
