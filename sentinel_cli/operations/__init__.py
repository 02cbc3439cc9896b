"""Use cases shared by the CLI and the REST API.

Each operation is a plain function taking the store (and the secrets backend where it needs one) and
keyword-only arguments, returning plain data in the API's camelCase shape. Business rules live here;
the Typer commands and FastAPI routes are thin adapters. Operations never import typer, rich or
fastapi, and import boto3/github only through the collectors, inside the function that needs them.
"""
