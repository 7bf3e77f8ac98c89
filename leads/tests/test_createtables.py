"""`manage.py createtables`: DynamoDB tables and indexes on moto's server; migrations on SQL."""

from __future__ import annotations

import uuid
from io import StringIO

import boto3
import pytest
from django.core.management import call_command

from leads.store import get_store


@pytest.fixture
def names(moto, settings):
    settings.LEADS_BACKEND = "dynamodb"
    settings.LEADS_TABLE = f"leads-{uuid.uuid4().hex[:12]}"
    settings.COUNTERS_TABLE = f"{settings.LEADS_TABLE}-counters"
    get_store.cache_clear()
    client = boto3.client("dynamodb", region_name="us-east-1")
    yield client, settings.LEADS_TABLE, settings.COUNTERS_TABLE
    for table in client.list_tables()["TableNames"]:
        if table.startswith(settings.LEADS_TABLE):
            client.delete_table(TableName=table)
    get_store.cache_clear()


def run() -> list[str]:
    out = StringIO()
    call_command("createtables", stdout=out)
    return out.getvalue().splitlines()


class TestCreateTables:
    def test_it_creates_both_tables_and_is_safe_to_rerun(self, names):
        client, leads, counters = names
        assert run() == [
            f"created table {leads} with indexes by-domain, by-day, pending, line",
            f"created table {counters}",
        ]
        assert run() == [f"table {leads} exists", f"table {counters} exists"]
        description = client.describe_table(TableName=counters)["Table"]
        assert [k["AttributeName"] for k in description["KeySchema"]] == ["kind", "key"]
        assert description["TableStatus"] == "ACTIVE"

    def test_it_adds_the_indexes_to_a_table_the_lab_made(self, names):
        client, leads, counters = names
        client.create_table(
            TableName=leads,
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(
            TableName=leads,
            Item={"email": {"S": "ann@x.com"}, "name": {"S": "Ann"}, "preview": {"S": "No"}},
        )
        assert run() == [
            f"table {leads} exists",
            f"turned on the stream of {leads}",
            f"added index by-domain to {leads}",
            f"added index by-day to {leads}",
            f"added index pending to {leads}",
            f"added index line to {leads}",
            f"created table {counters}",
        ]
        item = client.get_item(TableName=leads, Key={"email": {"S": "ann@x.com"}})["Item"]
        assert item["name"] == {"S": "Ann"}

    def test_on_sql_it_applies_the_migrations(self, db, settings):
        settings.LEADS_BACKEND = "sql"
        get_store.cache_clear()
        assert run() == ["SQL tables leads_lead, leads_counter: migrated"]
        get_store.cache_clear()
