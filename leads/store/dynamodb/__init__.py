"""The DynamoDB backend: `client` (boto3), `items` (the layout), `store` (the port's methods),
`search` (list pages), `admin` (tables and recounts) and `lab` (adopting the lab's table)."""

from leads.store.dynamodb.store import DynamoLeadStore

__all__ = ["DynamoLeadStore"]
