"""Package discovery that pyproject.toml alone cannot express.

The template folders live at the top of the repository (easy to find and edit) but must ship inside
the wheel as ``sentinel_cli.policy_templates`` and ``sentinel_cli.report_templates`` so that a plain
``pip install .`` finds them through importlib.resources.
"""

from setuptools import find_packages, setup

TEMPLATE_DIRS = {
    "sentinel_cli.policy_templates": "policy_templates",
    "sentinel_cli.report_templates": "report_templates",
}

setup(
    packages=find_packages(include=["sentinel_cli", "sentinel_cli.*"]) + list(TEMPLATE_DIRS),
    package_dir=TEMPLATE_DIRS,
)
