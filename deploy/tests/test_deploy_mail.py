"""`make deploy` with a mail sender: the parameter reaches the stack, and SES is asked (on
moto's server) whether it may send as the stack's identity; a warning, never a failure."""

import boto3

from deploy import aws
from deploy.tests.test_deploy import client, deployer

__all__ = ["deployer"]  # the fixture, shared with test_deploy.py


def report(identity: str) -> list[str]:
    return aws.ses_report(client("sesv2"), client("ses"), identity)


class TestMailCheck:
    def test_it_says_the_identity_is_verified_and_the_account_in_the_sandbox(self, deployer):
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(
            EmailIdentity="example.com"
        )
        deploy = deployer(MailFrom="hello@example.com")
        deploy.stack_update("first")
        assert deploy.out["MailIdentity"] == "example.com"
        deploy.check_mail()
        lines = deployer.recorder.lines
        assert "==> check that SES may send as example.com" in lines
        assert "    SES identity example.com: verified" in lines
        (quota,) = [line for line in lines if "mails a day" in line]
        assert "200 mails a day, 1 a second: the sandbox" in quota  # moto's: a new account's

    def test_it_names_the_identity_it_was_given(self, deployer):
        deploy = deployer(MailFrom="hello@example.com", MailIdentity="hello@example.com")
        deploy.stack_update("first")
        assert deploy.out["MailIdentity"] == "hello@example.com"

    def test_it_warns_of_an_identity_ses_does_not_have(self, deployer):
        assert report("nowhere.example")[0] == (
            "SES has no identity nowhere.example in this region: create and verify it"
            " (README, Mail)"
        )

    def test_without_a_sender_it_asks_ses_nothing(self, deployer):
        deploy = deployer()
        deploy.stack_update("first")
        assert "MailIdentity" not in deploy.out
        deploy.check_mail()
        assert not [line for line in deployer.recorder.lines if "SES" in line]
