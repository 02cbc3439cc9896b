"""Plain classes and functions shared by test modules: no tests and no fixtures (fixtures live in
the conftest.py files, which import what they need from here)."""
