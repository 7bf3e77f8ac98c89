"""The AWS calls a deploy makes, one small function each; deploy.py strings them together.

Every function takes its boto3 client, so the same code runs against AWS and, in the tests,
against moto's server.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, WaiterError

NO_CHANGES = "No updates are to be performed"
NO_ECHO = "****"
# RDS and CloudFront make a first create take 15-25 minutes.
STACK_WAIT = {"Delay": 15, "MaxAttempts": 240}


class DeployError(Exception):
    pass


# --- CloudFormation ------------------------------------------------------------------------------
def stack(cfn: Any, name: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def template_parameters(template_body: str) -> set[str]:
    from cfnlint.decode import cfn_yaml  # understands !Ref and friends; slow to import

    return set(cfn_yaml.loads(template_body).get("Parameters", {}))


def stack_parameters(
    template_body: str, given: Mapping[str, str], current: dict | None
) -> list[dict[str, Any]]:
    """The given values, and for an existing stack the previous value of every other parameter
    (so a deploy never silently resets, say, the domain name to its default)."""
    declared = template_parameters(template_body)
    unknown = set(given) - declared
    if unknown:
        raise DeployError(f"the template has no parameter {', '.join(sorted(unknown))}")
    params: list[dict[str, str | bool]] = [
        {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(given.items())
    ]
    previous = {
        p["ParameterKey"]: p["ParameterValue"] for p in (current or {}).get("Parameters", [])
    }
    for key in sorted((previous.keys() & declared) - set(given)):
        if previous[key] == NO_ECHO:  # describe_stacks hides these; CloudFormation knows them
            params.append({"ParameterKey": key, "UsePreviousValue": True})
        else:
            params.append({"ParameterKey": key, "ParameterValue": previous[key]})
    return params


def deploy_stack(
    cfn: Any, name: str, template_body: str, given: Mapping[str, str], role_arn: str = ""
) -> bool:
    """Creates or updates the stack and waits for it; False when there was nothing to change.

    With `role_arn`, CloudFormation acts as that role (so the caller itself needs no right to
    create IAM roles, tables or databases)."""
    current = stack(cfn, name)
    status = current["StackStatus"] if current else ""
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"stack {name} failed to create and was rolled back ({failures(cfn, name)}); "
            f"`aws cloudformation delete-stack --stack-name {name}` and deploy again"
        )
    if status.endswith("_FAILED"):
        raise DeployError(
            f"stack {name} is {status} ({failures(cfn, name)}); mend it in the CloudFormation "
            "console (README: Tearing down) and deploy again"
        )
    if status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {name} is {status}: wait until it is done and deploy again")
    args = {
        "StackName": name,
        "TemplateBody": template_body,
        "Parameters": stack_parameters(template_body, given, current),
        "Capabilities": ["CAPABILITY_IAM"],
        "Tags": [{"Key": "app", "Value": "waitlist"}],
    }
    if role_arn:
        args["RoleARN"] = role_arn
    if current is None:
        cfn.create_stack(**args)
        wait_for_stack(cfn, name, "stack_create_complete")
        return True
    try:
        cfn.update_stack(**args)
    except ClientError as exc:
        if NO_CHANGES in str(exc):
            return False
        raise
    wait_for_stack(cfn, name, "stack_update_complete")
    return True


def wait_for_stack(cfn: Any, name: str, waiter: str) -> None:
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=STACK_WAIT)
    except WaiterError as exc:
        response: dict[str, Any] = dict(exc.last_response)
        status = (response.get("Stacks") or [{}])[0].get("StackStatus", "unknown")
        raise DeployError(f"stack {name} ended {status}: {failures(cfn, name)}") from None


def failures(cfn: Any, name: str, most: int = 5) -> str:
    """The latest failed events of a stack, for a deploy's error message."""
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]  # newest first
    failed = [e for e in events if e["ResourceStatus"].endswith("_FAILED")][:most]
    if not failed:
        return "no failed resource in its events"
    return "; ".join(
        f"{e['LogicalResourceId']} {e['ResourceStatus']}: {e.get('ResourceStatusReason', '')}"
        for e in failed
    )


def outputs(cfn: Any, name: str) -> dict[str, str]:
    current = stack(cfn, name)
    if current is None:
        raise DeployError(f"stack {name} does not exist")
    return {o["OutputKey"]: o["OutputValue"] for o in current.get("Outputs", [])}


# --- ECR -----------------------------------------------------------------------------------------
def image_exists(ecr: Any, repository_uri: str, tag: str) -> bool:
    repository = repository_uri.split("/", 1)[1]
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ImageNotFoundException":
            return False
        raise
    return True


def registry_login(ecr: Any) -> tuple[str, str, str]:
    """(user, password, registry) for `docker login --password-stdin`."""
    data = ecr.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    return user, password, data["proxyEndpoint"]


# --- ECS -----------------------------------------------------------------------------------------
def run_one_off(
    ecs: Any,
    out: Mapping[str, str],
    command: list[str],
    environment: Mapping[str, str] | None = None,
) -> str:
    """Starts the maintenance task definition with another command; returns the task's ARN."""
    override: dict[str, Any] = {"name": out["TaskContainer"], "command": command}
    if environment:
        override["environment"] = [{"name": k, "value": v} for k, v in environment.items()]
    response = ecs.run_task(
        cluster=out["ClusterName"],
        taskDefinition=out["TaskDefinition"],
        launchType="FARGATE",
        count=1,
        startedBy="deploy.py",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": out["TaskSubnets"].split(","),
                "securityGroups": [out["TaskSecurityGroup"]],
                "assignPublicIp": "ENABLED",
            }
        },
        overrides={"containerOverrides": [override]},
    )
    if response.get("failures") or not response.get("tasks"):
        raise DeployError(f"the task did not start: {response.get('failures')}")
    return response["tasks"][0]["taskArn"]


def wait_one_off(
    ecs: Any, cluster: str, task_arn: str, *, poll: float = 6, timeout: float = 1800
) -> None:
    """Waits for the task to stop; raises unless its container exited with 0."""
    deadline = time.monotonic() + timeout
    while True:
        task = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0]
        if task["lastStatus"] == "STOPPED":
            break
        if time.monotonic() > deadline:
            raise DeployError(f"{task_arn} still {task['lastStatus']} after {timeout:.0f} s")
        time.sleep(poll)
    codes = [c.get("exitCode") for c in task.get("containers", [])]
    if not codes or any(code != 0 for code in codes):
        reason = task.get("stoppedReason", "")
        raise DeployError(f"{task_arn} failed (exit codes {codes}, {reason!r}); see its logs")


def roll_service(ecs: Any, cluster: str, service: str) -> None:
    """Starts new tasks from the service's current task definition (same tag, fresh pull)."""
    ecs.update_service(cluster=cluster, service=service, forceNewDeployment=True)


def wait_stable(ecs: Any, cluster: str, *services: str) -> None:
    """Waits until every one of the services runs only its newest deployment, at its count."""
    ecs.get_waiter("services_stable").wait(
        cluster=cluster, services=list(services), WaiterConfig={"Delay": 15, "MaxAttempts": 80}
    )


# --- SES -----------------------------------------------------------------------------------------
def ses_report(sesv2: Any, ses: Any, identity: str) -> list[str]:
    """Lines on whether SES may send as `identity`, and at what rate: until it may, the
    worker's mail waits in the outbox without a word to the people who signed up."""
    try:
        found = sesv2.get_email_identity(EmailIdentity=identity)
        status = found.get("VerificationStatus", "")
        lines = [
            f"SES identity {identity}: verified"
            if status == "SUCCESS" or found.get("VerifiedForSendingStatus")
            else f"SES identity {identity} is not verified yet ({status or 'no status'}): mail"
            " stays queued until it is"
        ]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        lines = [
            f"SES has no identity {identity} in this region: create and verify it (README, Mail)"
            if code == "NotFoundException"
            else f"could not check the SES identity {identity} ({code or exc})"
        ]
    try:
        quota = ses.get_send_quota()
    except ClientError as exc:
        return [*lines, f"could not read SES's send quota ({exc})"]
    day, rate = quota.get("Max24HourSend", 0), quota.get("MaxSendRate", 0)
    line = f"SES sends {day:,.0f} mails a day, {rate:g} a second"
    if day <= 200:  # the sandbox's quota
        line += ": the sandbox (verified recipients only); request production access (README, Mail)"
    return [*lines, line]
