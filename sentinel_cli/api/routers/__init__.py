"""One router per resource, mirroring the spec's paths under ``/api``."""
