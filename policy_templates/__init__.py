"""Policy templates (Jinja2 Markdown) and their index; shipped as package data."""
