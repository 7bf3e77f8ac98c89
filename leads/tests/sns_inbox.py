"""An SNS topic with an SQS queue subscribed, on moto's server: what the owner would receive."""

from __future__ import annotations

import json
import uuid

import boto3


class Inbox:
    def __init__(self, endpoint: str) -> None:
        self.sns = boto3.client("sns", region_name="us-east-1", endpoint_url=endpoint)
        self.sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
        name = f"new-signup-{uuid.uuid4().hex[:8]}"
        self.topic = self.sns.create_topic(Name=name)["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=queue_arn)

    def read(self) -> list[dict]:
        """Every message delivered so far, as SNS wrapped it (Subject, Message, ...)."""
        messages: list[dict] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
