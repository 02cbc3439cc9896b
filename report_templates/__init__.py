"""Report layout data and fonts; shipped as package data."""
