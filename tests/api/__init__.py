"""Tests of the REST API (``sentinel serve``) against a real server process."""
