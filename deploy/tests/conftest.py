"""Fixtures for the deploy tests; the real services (moto's server...) are in the root conftest."""

from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "cloudformation" / "waitlist.yaml"


@pytest.fixture(scope="session")
def template() -> dict:
    """The stack template, with CloudFormation's short tags (!Ref, !Sub...) as Fn:: dicts."""
    return cfn_yaml.load(str(TEMPLATE))
