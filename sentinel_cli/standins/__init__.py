"""Local stand-ins for the services Sentinel reads: an AWS account (a moto server with a seeded
estate) and a GitHub organisation (a small GitHub REST API server with a seeded org).

Product code, not test scaffolding: ``sentinel demo`` collects from them, and the tests and the
benchmarks use the same stand-ins, so the demo shows exactly the path a real account takes.
"""
