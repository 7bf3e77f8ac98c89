"""deploy/deploy.py and deploy/aws.py against moto's server over HTTP.

moto's CloudFormation cannot create every resource type of waitlist.yaml, so these tests deploy
moto-stack.yaml: the same parameters and outputs, built from types moto supports. moto never
runs a task, so a test stops it (as ECS would when the command ends) before waiting on it.
"""

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from deploy import aws
from deploy.deploy import RELEASE_COMMAND, Deploy

MOTO_TEMPLATE = Path(__file__).with_name("moto-stack.yaml")


def client(service: str) -> Any:
    # A service named at run time: the stubs type only literal names.
    return boto3.client(service, region_name="us-east-1")  # type: ignore[call-overload]


def stack_parameters() -> dict[str, str]:
    (stack,) = client("cloudformation").describe_stacks(StackName="waitlist")["Stacks"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def put_image(tag: str) -> None:
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"digest": "sha256:" + "0" * 64},
        "layers": [],
    }
    client("ecr").put_image(
        repositoryName="waitlist-web", imageManifest=json.dumps(manifest), imageTag=tag
    )


class Recorder:
    """Collects what the deploy says; stops each task it starts, as if its command finished."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.started: list[str] = []
        self.cluster = ""

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if line.startswith("    started arn:"):
            arn = line.split()[1].rstrip(";")
            self.started.append(arn)
            client("ecs").stop_task(cluster=self.cluster, task=arn, reason="command finished")


@pytest.fixture
def deployer(moto):
    moto.reset()
    recorder = Recorder()

    class Make:
        """Builds a Deploy with these parameters; `recorder` holds what the deploys said."""

        def __init__(self) -> None:
            self.recorder = recorder

        def __call__(self, **params: str) -> Deploy:
            return Deploy(
                stack="waitlist",
                region="us-east-1",
                params=params,
                template=MOTO_TEMPLATE,
                say=recorder,
            )

    return Make()


class TestStack:
    def test_it_creates_the_stack_with_no_image_yet(self, deployer):
        deploy = deployer()
        assert deploy.stack_update("first") is True
        assert stack_parameters()["WebImageTag"] == "bootstrap"
        assert deploy.out["RepositoryUri"].endswith(".amazonaws.com/waitlist-web")

    def test_it_changes_only_the_given_parameter(self, deployer):
        deployer(NotificationEmail="owner@example.com").stack_update("first")
        assert deployer().stack_update("tasks", TaskImageTag="abc123") is True
        assert stack_parameters() == {
            "NotificationEmail": "owner@example.com",
            "TaskImageTag": "abc123",
            "WebImageTag": "bootstrap",
            "MailFrom": "",
            "MailIdentity": "",
            "MailConfigurationSet": "",
        }

    def test_it_passes_the_mail_sender_through_and_keeps_it(self, deployer):
        deployer(MailFrom="hello@example.com", MailIdentity="example.com").stack_update("mail")
        deployer().stack_update("tasks", TaskImageTag="abc123")
        assert stack_parameters()["MailFrom"] == "hello@example.com"
        assert stack_parameters()["MailIdentity"] == "example.com"

    def test_it_says_when_nothing_changed(self, deployer):
        deployer().stack_update("first", TaskImageTag="abc123")
        assert deployer().stack_update("again", TaskImageTag="abc123") is False
        assert "    no changes" in deployer.recorder.lines

    def test_it_rejects_a_parameter_the_template_lacks(self, deployer):
        with pytest.raises(aws.DeployError, match="no parameter DomainNmae"):
            deployer(DomainNmae="x.example.com").stack_update("typo")
        assert aws.stack(client("cloudformation"), "waitlist") is None


class TestImage:
    def test_it_logs_in_with_the_registry_token(self, moto):
        user, password, registry = aws.registry_login(client("ecr"))
        assert user == "AWS"
        assert password
        assert registry.startswith("https://") and ".dkr.ecr.us-east-1." in registry

    def test_it_skips_the_build_when_the_tag_is_in_the_repository(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        put_image("abc123")
        assert deploy.push_image("abc123") == f"{deploy.out['RepositoryUri']}:abc123"
        assert "    already in the repository" in deployer.recorder.lines
        assert not [line for line in deployer.recorder.lines if "$ docker" in line]

    def test_it_knows_a_missing_tag(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        assert aws.image_exists(client("ecr"), deploy.out["RepositoryUri"], "nope") is False


class TestStatic:
    def test_it_uploads_hashed_static_files_to_the_bucket(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        deploy.upload_static()
        s3 = client("s3")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=deploy.out["StaticBucket"])["Contents"]]
        (css,) = [k for k in keys if re.fullmatch(r"leads/site\.[0-9a-f]{12}\.css", k)]
        head = s3.head_object(Bucket=deploy.out["StaticBucket"], Key=css)
        assert head["CacheControl"] == "public, max-age=31536000, immutable"

    def test_a_lab_switch_cannot_keep_the_files_out_of_the_bucket(self, deployer, monkeypatch):
        monkeypatch.setenv("CLOUD_FRONT", "False")  # as a lab .env has it
        deploy = deployer()
        deploy.stack_update("first")
        deploy.upload_static()
        listing = client("s3").list_objects_v2(Bucket=deploy.out["StaticBucket"])
        assert listing["KeyCount"] > 0

    def test_it_refuses_a_dotenv_that_would_upload_elsewhere(self, deployer, tmp_path):
        deploy = deployer()
        deploy.dotenv = tmp_path / ".env"
        deploy.dotenv.write_text("AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566\nAWS_PROFILE=lab\n")
        deploy.stack_update("first")
        with pytest.raises(aws.DeployError, match="AWS_ENDPOINT_URL_S3, AWS_PROFILE"):
            deploy.upload_static()
        listing = client("s3").list_objects_v2(Bucket=deploy.out["StaticBucket"])
        assert listing["KeyCount"] == 0


class TestOneOff:
    def test_it_runs_the_release_in_the_stacks_network(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        deployer.recorder.cluster = deploy.out["ClusterName"]
        # moto's CloudFormation drops NetworkMode and EnableDnsHostnames (which its ECS needs
        # for a task's network interface); put back what the template asks for.
        ec2 = client("ec2")
        (subnet,) = ec2.describe_subnets(SubnetIds=[deploy.out["TaskSubnets"]])["Subnets"]
        ec2.modify_vpc_attribute(VpcId=subnet["VpcId"], EnableDnsHostnames={"Value": True})
        deploy.out["TaskDefinition"] = client("ecs").register_task_definition(
            family="waitlist-task",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "task", "image": "waitlist:abc123", "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        deploy.one_off("release", RELEASE_COMMAND)
        assert deployer.recorder.lines[-1] == "    done"
        ecs = client("ecs")
        (arn,) = deployer.recorder.started
        (task,) = ecs.describe_tasks(cluster="waitlist", tasks=[arn])["tasks"]
        assert task["taskDefinitionArn"] == deploy.out["TaskDefinition"]
        assert task["overrides"]["containerOverrides"] == [
            {"name": "task", "command": RELEASE_COMMAND}
        ]
        details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
        assert details["subnetId"] == deploy.out["TaskSubnets"]
        (interface,) = ec2.describe_network_interfaces(
            NetworkInterfaceIds=[details["networkInterfaceId"]]
        )["NetworkInterfaces"]
        assert [g["GroupId"] for g in interface["Groups"]] == [deploy.out["TaskSecurityGroup"]]

    def test_it_gives_up_on_a_task_that_does_not_stop(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        arn = aws.run_one_off(client("ecs"), deploy.out, ["sleep", "infinity"])
        with pytest.raises(aws.DeployError, match=r"still [A-Z]+ after"):
            aws.wait_one_off(client("ecs"), "waitlist", arn, timeout=0)


def deployment_ids() -> dict[str, str]:
    found = client("ecs").describe_services(cluster="waitlist", services=["web", "worker"])
    return {s["serviceName"]: s["deployments"][0]["id"] for s in found["services"]}


class TestRoll:
    """The moto stack's services want no task, so moto finds them stable as soon as they are.
    (Both run WebImageTag: test_template_launch.py checks that the worker's image is the web's.)
    """

    def test_it_lets_cloudformation_roll_a_new_tag_and_waits_for_both_services(self, deployer):
        deployer().stack_update("first")
        deployer().roll("abc123")
        assert stack_parameters()["WebImageTag"] == "abc123"
        lines = deployer.recorder.lines
        assert not [line for line in lines if "force a new deployment" in line]
        assert "==> wait until waitlist/web and waitlist/worker are stable" in lines
        assert lines[-1] == "site: http://waitlist.example"

    def test_it_forces_a_new_deployment_of_both_services_for_an_unchanged_tag(self, deployer):
        deployer().stack_update("first", WebImageTag="abc123")
        before = deployment_ids()
        deployer().roll("abc123")
        forced = "==> force a new deployment of waitlist/web and waitlist/worker (same image)"
        assert forced in deployer.recorder.lines
        after = deployment_ids()
        assert set(after) == {"web", "worker"}
        assert all(after[name] != before[name] for name in after)


class TestPipeline:
    def test_it_deploys_a_pushed_commit_from_stack_to_stable_service(self, deployer):
        deployer().stack_update("first")
        put_image("abc123")
        deployer.recorder.lines.clear()
        deploy = deployer()
        deployer.recorder.cluster = "waitlist"
        deploy.deploy("abc123")
        lines = deployer.recorder.lines
        steps = [line.removeprefix("==> ").split(" (")[0] for line in lines if line[:4] == "==> "]
        assert steps == [
            "deploy stack waitlist",
            "build and push 123456789012.dkr.ecr.us-east-1.amazonaws.com/waitlist-web:abc123",
            "upload static files to s3://" + deploy.out["StaticBucket"],
            "deploy stack waitlist",
            "one-off task on waitlist",
            "deploy stack waitlist",
            "wait until waitlist/web and waitlist/worker are stable",
        ]
        assert stack_parameters()["TaskImageTag"] == stack_parameters()["WebImageTag"] == "abc123"
        assert len(deployer.recorder.started) == 1
        assert lines[-1] == "site: http://waitlist.example"


class TestStaff:
    def test_it_sends_a_password_hash_never_the_password(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        deployer.recorder.cluster = "waitlist"
        password = deploy.create_staff("alice")
        ecs = client("ecs")
        (arn,) = deployer.recorder.started
        (override,) = ecs.describe_tasks(cluster="waitlist", tasks=[arn])["tasks"][0]["overrides"][
            "containerOverrides"
        ]
        env = {e["name"]: e["value"] for e in override["environment"]}
        assert env["STAFF_USERNAME"] == "alice"
        assert env["STAFF_PASSWORD_HASH"].startswith("pbkdf2_sha256$")
        assert password not in json.dumps(override)
        assert any(password in line for line in deployer.recorder.lines)
