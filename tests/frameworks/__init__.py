"""The framework catalogues as data."""
