"""Fixtures for the deploy tests: moto's server is the one the leads tests use."""

from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from leads.tests.conftest import free_port, moto, wait_for  # noqa: F401 - shared fixtures

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "cloudformation" / "waitlist.yaml"


@pytest.fixture(scope="session")
def template() -> dict:
    """The stack template, with CloudFormation's short tags (!Ref, !Sub...) as Fn:: dicts."""
    return cfn_yaml.load(str(TEMPLATE))
