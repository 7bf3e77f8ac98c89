"""Fixtures for the deploy tests; the real services (moto's server...) are in the root conftest."""

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
# The pseudo parameters of a stack in moto's account and region.
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
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


def evaluate(
    condition: Any, parameters: dict[str, str], conditions: dict[str, bool] | None = None
) -> Any:
    """A condition or a rule's assertion with these parameter values (Equals, And, Or, Not,
    Ref, and Condition: another condition's value)."""
    if isinstance(condition, str):
        return condition
    ((function, args),) = condition.items()
    if function == "Ref":
        return parameters[args]
    if function == "Condition":
        return (conditions or {})[args]
    values = [evaluate(arg, parameters, conditions) for arg in args]
    return {
        "Fn::Equals": lambda: values[0] == values[1],
        "Fn::And": lambda: all(values),
        "Fn::Or": lambda: any(values),
        "Fn::Not": lambda: not values[0],
    }[function]()


def conditions(template: dict, parameters: dict[str, str] | None = None) -> dict[str, bool]:
    """The template's conditions with these parameters, the others at their defaults."""
    given = {k: str(p.get("Default", "")) for k, p in template["Parameters"].items()}
    given |= parameters or {}
    found: dict[str, bool] = {}
    for name, condition in template["Conditions"].items():  # each after those it names
        found[name] = bool(evaluate(condition, given, found))
    return found


_NO_VALUE = object()


def chosen(value: Any, conditions: dict[str, bool]) -> Any:
    """`value` as CloudFormation builds it: each Fn::If's branch taken, AWS::NoValue dropped."""
    if isinstance(value, list):
        listed = [chosen(item, conditions) for item in value]
        return [item for item in listed if item is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if list(value) == ["Fn::If"]:
        name, yes, no = value["Fn::If"]
        return chosen(yes if conditions[name] else no, conditions)
    items = {k: chosen(v, conditions) for k, v in value.items()}
    return {k: v for k, v in items.items() if v is not _NO_VALUE}


def statements(template: dict, role: str, parameters: dict[str, str] | None = None) -> list[dict]:
    """The role's statements in a stack with these parameters (the others at their defaults)."""
    policies = chosen(props(template, role)["Policies"], conditions(template, parameters))
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def actions(template: dict, role: str, parameters: dict[str, str] | None = None) -> set[str]:
    found: set[str] = set()
    for statement in statements(template, role, parameters):
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


def container(template: dict, task: str) -> dict:
    return props(template, task)["ContainerDefinitions"][0]


def resolve(value: Any, names: dict[str, str]) -> Any:
    """A value with its !Ref, !GetAtt, !Sub, !Select and !Split worked out from `names`."""
    if isinstance(value, str):
        return value
    ((function, args),) = value.items()
    if function == "Ref":
        return names[args]
    if function == "Fn::GetAtt":
        return names[".".join(args)]
    if function == "Fn::Select":
        return resolve(args[1], names)[int(args[0])]
    if function == "Fn::Split":
        return resolve(args[1], names).split(args[0])
    assert function == "Fn::Sub", function
    text, local = (args, {}) if isinstance(args, str) else args
    known = names | {k: resolve(v, names) for k, v in local.items()}
    return re.sub(r"\$\{([^}]+)\}", lambda m: known[m[1]], text)
