"""The GitHub Actions workflows: tests on every push and pull request, deploy on version tags."""

import pytest
import yaml

from deploy.tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true
    return workflow


@pytest.fixture(scope="module")
def ci() -> dict:
    return load("ci.yml")


@pytest.fixture(scope="module")
def deploy() -> dict:
    return load("deploy.yml")


class TestWorkflows:
    def test_it_tests_every_push_and_pull_request_with_ci_run(self, ci):
        assert set(ci["on"]) == {"push", "pull_request", "workflow_call"}
        (job,) = ci["jobs"].values()
        assert job["container"].startswith("python:3.11-")
        assert [step.get("run") for step in job["steps"]][-1] == ".ci/run"
        assert ci["permissions"] == {"contents": "read"}

    def test_it_deploys_only_version_tags_after_the_tests(self, deploy):
        assert deploy["on"] == {"push": {"tags": ["v*"]}}
        assert deploy["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
        assert deploy["jobs"]["deploy"]["needs"] == "test"
        assert deploy["concurrency"]["cancel-in-progress"] is False

    def test_it_gets_aws_credentials_from_oidc_not_stored_keys(self, deploy):
        assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
        steps = deploy["jobs"]["deploy"]["steps"]
        (login,) = [s for s in steps if s.get("uses", "").startswith("aws-actions/")]
        assert login["uses"].startswith("aws-actions/configure-aws-credentials@")
        assert login["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        text = (WORKFLOWS / "deploy.yml").read_text()
        assert "secrets." not in text and "aws-access-key-id" not in text

    def test_it_runs_make_deploy(self, deploy):
        steps = deploy["jobs"]["deploy"]["steps"]
        assert steps[-1]["run"] == "make deploy"
        assert steps[-1]["env"]["WAITLIST_CFN_ROLE_ARN"] == "${{ vars.WAITLIST_CFN_ROLE_ARN }}"
