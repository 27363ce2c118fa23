"""Which packages the distribution holds: every package under app/, and the project's
top-level migrations/ as app.migrations, so that an installed package migrates without the
source tree. (pyproject.toml can find packages or map one elsewhere, not both.)"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["app*"]), "app.migrations"],
    package_dir={"app.migrations": "migrations"},
)
