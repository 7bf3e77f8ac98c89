"""What Amazon SES says about sending, besides the mail itself: the one module that calls SES.

Mail goes out through django-anymail's SES backend (EMAIL_URL=ses://); this module asks SES
for the account's send rate and reads SES's errors, so that leads/mailer.py can pace itself and
tell a throttled send from a refused address without knowing SES.
"""

from __future__ import annotations

import enum
import re

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings


class SesError(Exception):
    pass


class Failure(enum.Enum):
    THROTTLED = "throttled"  # above the send rate: try again shortly
    QUOTA = "quota"  # the day's quota is spent: try again much later
    REJECTED = "rejected"  # this message will never be taken (an address SES refuses)
    SETUP = "setup"  # every message fails until someone fixes the account or the settings
    OUTAGE = "outage"  # SES did not answer, or failed on its side


# Codes of the SES v2 API (anymail's) and of v1, which SES answers alike.
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException"}
_REJECTED = {"MessageRejected", "BadRequestException", "InvalidParameterValue"}
_SETUP = {
    "AccountSuspendedException",
    "SendingPausedException",
    "MailFromDomainNotVerifiedException",
    "MailFromDomainNotVerified",
    "ConfigurationSetDoesNotExist",
    "ConfigurationSetDoesNotExistException",
    "NotFoundException",
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
}


def failure(code: str, message: str, *, sender: str) -> Failure:
    """What an SES error answer means for the sending of the message from `sender`.

    A rejection that names the sender (an unverified From, in the sandbox or not) is the
    settings', not the message's: every mail would be refused alike, so none is dropped for it.
    An unknown code counts as an outage: mail is retried rather than lost.
    """
    if "daily message quota" in message.lower() or code == "LimitExceededException":
        return Failure.QUOTA
    if code in _THROTTLED or "maximum sending rate" in message.lower():
        return Failure.THROTTLED
    if code in _SETUP:
        return Failure.SETUP
    if code in _REJECTED:
        return Failure.SETUP if _names(message, sender) else Failure.REJECTED
    return Failure.OUTAGE


def _names(message: str, address: str) -> bool:
    """Whether `message` names `address` itself (not an address that merely ends with it)."""
    return bool(address) and bool(
        re.search(rf"(?<![\w.+-]){re.escape(address)}(?!\.?[\w-])", message, re.IGNORECASE)
    )


def max_send_rate() -> float:
    """The account's mails (recipients) per second in SES_REGION; raises SesError."""
    # A new client, from a session of its own (the default session is not thread-safe): this
    # is asked every few minutes only.
    config = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 2})
    client = boto3.session.Session().client("ses", region_name=settings.SES_REGION, config=config)
    try:
        return float(client.get_send_quota()["MaxSendRate"])
    except (BotoCoreError, ClientError, KeyError, TypeError, ValueError) as e:
        raise SesError(str(e)) from e
    finally:
        client.close()
