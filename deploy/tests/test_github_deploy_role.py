"""deploy/cloudformation/github-deploy-role.yaml: what a tag pushed on GitHub may do in AWS."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfnlint.decode import cfn_yaml

from deploy.tests.conftest import ROOT

PATH = ROOT / "deploy" / "cloudformation" / "github-deploy-role.yaml"


@pytest.fixture(scope="module")
def roles() -> dict:
    return cfn_yaml.load(str(PATH))["Resources"]


def deploy_statements(roles: dict) -> dict[str, dict]:
    (policy,) = roles["DeployRole"]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


class TestGitHubDeployRole:
    def test_it_passes_cfn_lint(self):
        cfn_lint = Path(sys.executable).parent / "cfn-lint"
        result = subprocess.run([str(cfn_lint), str(PATH)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout

    def test_it_trusts_only_the_production_environment_of_one_repository(self, roles):
        (trust,) = roles["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
        # The deploy job names the environment, so GitHub's token says the environment, not the
        # tag: trusting the tag's subject would refuse every deploy.
        assert trust["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": {
                    "Fn::Sub": "repo:${GitHubRepository}:environment:production"
                },
            }
        }

    def test_the_workflow_deploys_from_that_environment_on_version_tags(self):
        workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
        assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
        assert workflow["jobs"]["deploy"]["environment"] == "production"

    def test_it_creates_nothing_itself_but_hands_the_stack_to_cloudformation(self, roles):
        statements = deploy_statements(roles)
        granted = {
            a
            for s in statements.values()
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert not [a for a in granted if a.startswith("iam:") and a != "iam:PassRole"]
        assert not [a for a in granted if a.startswith(("dynamodb:", "rds:", "ec2:"))]
        handover = statements["HandOverToCloudFormation"]
        assert handover["Resource"] == {"Fn::GetAtt": ["CloudFormationRole", "Arn"]}
        assert handover["Condition"] == {
            "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
        }

    def test_it_lets_only_cloudformation_assume_the_admin_role(self, roles):
        (trust,) = roles["CloudFormationRole"]["Properties"]["AssumeRolePolicyDocument"][
            "Statement"
        ]
        assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}

    def test_it_passes_task_roles_to_ecs_only(self, roles):
        task_roles = deploy_statements(roles)["PassTaskRoles"]
        assert task_roles["Condition"] == {
            "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
        }
