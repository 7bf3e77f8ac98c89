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


# --- reading the template -----------------------------------------------------------------------
def resource(template: dict, name: str) -> dict:
    return template["Resources"][name]


def props(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]


def of_type(template: dict, kind: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def statements(template: dict, role: str) -> list[dict]:
    return [s for p in props(template, role)["Policies"] for s in p["PolicyDocument"]["Statement"]]


def actions(template: dict, role: str) -> set[str]:
    found: set[str] = set()
    for statement in statements(template, role):
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


def container(template: dict, task: str) -> dict:
    return props(template, task)["ContainerDefinitions"][0]
