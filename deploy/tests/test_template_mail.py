"""The joiners' mail in waitlist.yaml: the worker sends through SES as the one identity it is
given, and no other task may use SES at all."""

import re

from deploy.tests.conftest import (
    PSEUDO,
    actions,
    chosen,
    conditions,
    container,
    evaluate,
    props,
    resolve,
    statements,
)

SES = "arn:aws:ses:us-east-1:123456789012:"
SENDER = {"MailFrom": "hello@example.com"}
EVERYTHING = SENDER | {"MailIdentity": "example.com", "MailConfigurationSet": "waitlist"}


def values(template: dict, parameters: dict[str, str]) -> dict[str, str]:
    """What !Ref and ${} name in a stack with these parameters, the others at their defaults."""
    return (
        {k: str(p.get("Default", "")) for k, p in template["Parameters"].items()}
        | PSEUDO
        | parameters
    )


def ses_grants(template: dict, role: str, parameters: dict[str, str]) -> dict[str, list[str]]:
    """The role's SES statements by Sid, as (sorted actions, resolved resources)."""
    names = values(template, parameters)
    found = {}
    for statement in statements(template, role, parameters):
        granted = statement["Action"]
        granted = [granted] if isinstance(granted, str) else granted
        if any(a.startswith("ses:") for a in granted):
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            found[statement["Sid"]] = sorted(granted) + [resolve(r, names) for r in resources]
    return found


def worker_env(template: dict, parameters: dict[str, str]) -> dict:
    """The worker's mail settings in a stack with these parameters."""
    names = values(template, parameters)
    env = chosen(
        container(template, "WorkerTaskDefinition")["Environment"], conditions(template, parameters)
    )
    mail = ("EMAIL_URL", "DEFAULT_FROM_EMAIL", "SES_CONFIGURATION_SET")
    return {e["Name"]: resolve(e["Value"], names) for e in env if e["Name"] in mail}


class TestWorkerMailRole:
    def test_without_a_sender_the_worker_may_not_use_ses(self, template):
        assert ses_grants(template, "WorkerTaskRole", {}) == {}

    def test_it_may_send_as_the_senders_domain_and_read_the_send_rate(self, template):
        assert ses_grants(template, "WorkerTaskRole", SENDER) == {
            "SendMail": ["ses:SendEmail", "ses:SendRawEmail", SES + "identity/example.com"],
            # GetSendQuota names no resource: "*" is the only way to grant it.
            "ReadTheSendRate": ["ses:GetSendQuota", "*"],
        }

    def test_it_may_send_as_the_identity_it_is_given_only(self, template):
        given = SENDER | {"MailIdentity": "hello@example.com"}
        assert ses_grants(template, "WorkerTaskRole", given)["SendMail"] == [
            "ses:SendEmail",
            "ses:SendRawEmail",
            SES + "identity/hello@example.com",
        ]

    def test_a_configuration_set_is_granted_beside_the_identity(self, template):
        given = SENDER | {"MailConfigurationSet": "waitlist"}
        assert ses_grants(template, "WorkerTaskRole", given)["SendMail"][2:] == [
            SES + "identity/example.com",
            SES + "configuration-set/waitlist",
        ]

    def test_no_ses_grant_has_a_condition_or_a_wildcard_but_the_send_rate(self, template):
        for statement in statements(template, "WorkerTaskRole", EVERYTHING):
            if "ses:" in str(statement["Action"]):
                assert "Condition" not in statement and statement["Effect"] == "Allow"
                wildcard = "*" in str(statement["Resource"]) or "*" in str(statement["Action"])
                assert wildcard == (statement["Action"] == "ses:GetSendQuota")

    def test_no_other_role_may_use_ses_whatever_the_parameters(self, template):
        for role in ("WebTaskRole", "MaintenanceTaskRole", "ExecutionRole", "SchedulerRole"):
            granted = actions(template, role, EVERYTHING)
            assert not [a for a in granted if a.startswith("ses:") or a == "*"], role


class TestWorkerMailSettings:
    def test_without_a_sender_mail_stays_queued(self, template):
        # An empty EMAIL_URL is unset to the settings: every send answers RetryLater.
        assert worker_env(template, {}) == {
            "EMAIL_URL": "",
            "DEFAULT_FROM_EMAIL": "",
            "SES_CONFIGURATION_SET": "",
        }

    def test_with_a_sender_the_worker_sends_through_ses_in_its_region(self, template):
        assert worker_env(template, EVERYTHING) == {
            "EMAIL_URL": "ses://",  # AWS_REGION, the stack's region
            "DEFAULT_FROM_EMAIL": "hello@example.com",
            "SES_CONFIGURATION_SET": "waitlist",
        }

    def test_only_the_worker_is_given_mail_settings(self, template):
        for task in ("WebTaskDefinition", "MaintenanceTaskDefinition"):
            names = {e["Name"] for e in container(template, task)["Environment"]}
            assert not names & {"EMAIL_URL", "DEFAULT_FROM_EMAIL", "SES_CONFIGURATION_SET"}

    def test_the_sender_is_a_bare_address(self, template):
        # The name on the mails is SITE_NAME's (MAIL_FROM_NAME): the domain is split off it.
        pattern = template["Parameters"]["MailFrom"]["AllowedPattern"]
        for value, allowed in (
            ("", True),
            ("hello@example.com", True),
            ("Rocket <hello@example.com>", False),
            ("example.com", False),
            ("a@b@example.com", False),
        ):
            assert bool(re.fullmatch(pattern, value)) is allowed, value

    def test_an_identity_or_a_configuration_set_needs_a_sender(self, template):
        rule = template["Rules"]["MailSettingsNeedMailFrom"]
        (assertion,) = rule["Assertions"]
        for given, applies, holds in (
            ({"MailIdentity": "example.com", "MailFrom": ""}, True, False),
            ({"MailConfigurationSet": "x", "MailFrom": ""}, True, False),
            ({"MailIdentity": "example.com", "MailFrom": "a@example.com"}, True, True),
            ({"MailFrom": ""}, False, False),
        ):
            values = {"MailIdentity": "", "MailConfigurationSet": "", **given}
            assert evaluate(rule["RuleCondition"], values) is applies
            assert evaluate(assertion["Assert"], values) is holds


class TestWorkerSize:
    def test_its_cpu_is_a_parameter_with_the_memory_fargate_pairs_it_with(self, template):
        worker = props(template, "WorkerTaskDefinition")
        assert worker["Cpu"] == {"Ref": "WorkerCpu"}
        assert worker["Memory"] == {"Fn::FindInMap": ["WorkerMemory", {"Ref": "WorkerCpu"}, "MB"]}
        sizes = template["Mappings"]["WorkerMemory"]
        allowed = template["Parameters"]["WorkerCpu"]["AllowedValues"]
        assert {cpu: sizes[cpu]["MB"] for cpu in allowed} == {
            "256": "512",
            "512": "1024",
            "1024": "2048",
        }
        assert template["Parameters"]["WorkerCpu"]["Default"] == "256"
