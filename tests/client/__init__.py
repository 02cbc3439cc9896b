"""The CLI as a client of a real ``sentinel serve``."""
