"""What only the DynamoDB store does: the lab's item shape, interop with the lab's own code,
indexes, transactions, cursors, and failures turned into StoreUnavailable. moto's server over HTTP.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import boto3
import pytest
from django.core.management import CommandError, call_command

from conftest import free_port, settle_before_counting
from leads.store import DayCount, DomainCount, InvalidCursor, StoreUnavailable, get_store
from leads.store.base import decode_cursor, encode_cursor
from leads.tests.factories import CONSENT, T0, lead
from loopback import DynamoPhysicsProxy
from loopback.faults import Fault, FaultyProxy, Request

pytestmark = pytest.mark.parametrize("store", ["dynamodb"], indirect=True)

logger = logging.getLogger(__name__)


def raw_item(store, email: str) -> dict:
    return store.client.boto.get_item(TableName=store.leads_table, Key={"email": {"S": email}})[
        "Item"
    ]


# --- the lab's own code, as the lab wrote it (form/models.py), against its fixed table name ------
# fmt: off
AWS_REGION = "us-east-1"
AWS_ACCESS_KEY_ID = "testing"
AWS_SECRET_ACCESS_KEY = "testing"
AWS_SESSION_TOKEN = None


class Leads:
    def insert_lead(self, name, email, previewAccess):
        try:
            dynamodb = boto3.resource('dynamodb',
                                      region_name=AWS_REGION,
                                      aws_access_key_id=AWS_ACCESS_KEY_ID,
                                      aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
                                      aws_session_token=AWS_SESSION_TOKEN)
            table = dynamodb.Table('ccbda-signup-table')
        except Exception as e:
            logger.error(
                'Error connecting to database table: ' + (e.fmt if hasattr(e, 'fmt') else '') + ','.join(e.args))  # noqa: E501
            return 403
        try:
            response = table.put_item(
                Item={
                    'name': name,
                    'email': email,
                    'preview': previewAccess,
                },
                ReturnValues='ALL_OLD',
            )
        except Exception as e:
            logger.error(
                'Error adding item to database: ' + (e.fmt if hasattr(e, 'fmt') else '') + ','.join(e.args))  # noqa: E501
            return 403
        status = response['ResponseMetadata']['HTTPStatusCode']
        if status == 200:
            if 'Attributes' in response:
                logger.error('Existing item updated to database.')
                return 409
            logger.error('New item added to database.')
        else:
            logger.error('Unknown error inserting item to database.')

        return status

    def get_leads(self, domain, preview):
        try:
            dynamodb = boto3.resource('dynamodb',
                                      region_name=AWS_REGION,
                                      aws_access_key_id=AWS_ACCESS_KEY_ID,
                                      aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
                                      aws_session_token=AWS_SESSION_TOKEN)
            table = dynamodb.Table('ccbda-signup-table')
        except Exception as e:
            logger.error(
                'Error connecting to database table: ' + (e.fmt if hasattr(e, 'fmt') else '') + ','.join(e.args))  # noqa: E501
            return None
        expression_attribute_values = {}
        FilterExpression = []
        if preview:
            expression_attribute_values[':p'] = preview
            FilterExpression.append('preview = :p')
        if domain:
            expression_attribute_values[':d'] = '@' + domain
            FilterExpression.append('contains(email, :d)')
        if expression_attribute_values and FilterExpression:
            response = table.scan(
                FilterExpression=' and '.join(FilterExpression),
                ExpressionAttributeValues=expression_attribute_values,
            )
        else:
            response = table.scan(
                ReturnConsumedCapacity='TOTAL',
            )
        if response['ResponseMetadata']['HTTPStatusCode'] == 200:
            return response['Items']
        logger.error('Unknown error retrieving items from database.')
        return None
# fmt: on


@pytest.fixture
def lab_table(settings, moto):
    """The lab's table as its console steps made it (key `email`, provisioned), and nothing else.

    The store fixture's own tables are swapped for the lab's fixed name.
    """
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="ccbda-signup-table",
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    get_store.cache_clear()
    settings.LEADS_TABLE = "ccbda-signup-table"
    settings.COUNTERS_TABLE = "ccbda-signup-table-counters"
    store = get_store()
    settle_before_counting(store)
    yield store
    for table in client.list_tables()["TableNames"]:
        if table.startswith("ccbda-signup-table"):
            client.delete_table(TableName=table)
    get_store.cache_clear()


class TestItemShape:
    def test_it_writes_the_labs_attributes_and_ours(self, store):
        store.add(lead("ann@x.com", preview=True, name="Ann Lee"))
        item = raw_item(store, "ann@x.com")
        assert item == {
            "email": {"S": "ann@x.com"},
            "name": {"S": "Ann Lee"},
            "preview": {"S": "Yes"},
            "domain": {"S": "x.com"},
            "created_at": {"S": "2026-11-20T12:00:00.000000Z"},
            "day": {"S": "2026-11-20#3"},  # one of 4 parts of the day, by the email
            "sort_key": {"S": "2026-11-20T12:00:00.000000Z#ann@x.com"},
            "stage": {"S": "pending"},
            "asks": {"N": "1"},  # the confirmation mail to send: asked once, answered never
            "answered": {"N": "0"},
            "pending": {"S": "yes#3"},  # in the outbox: one of 16 partitions, by the email
        }

    def test_the_last_mark_drops_it_from_the_sparse_index(self, store):
        store.add(lead("ann@x.com"))
        (due,) = store.outbox()
        assert store.mark_answered(due, mailed=True, today="2026-11-20") is True
        assert "pending" not in raw_item(store, "ann@x.com")
        store.confirm("ann@x.com", consent=CONSENT, at=T0)
        assert raw_item(store, "ann@x.com")["mail"] == {"SS": ["welcome"]}
        store.mark_notified("ann@x.com")
        assert "pending" in raw_item(store, "ann@x.com")  # the welcome mail is still due
        store.mark_mailed("ann@x.com", "welcome")
        store.mark_notified("ann@x.com")  # twice is harmless
        item = raw_item(store, "ann@x.com")
        assert "pending" not in item and "mail" not in item and "notify" not in item
        store.mark_notified("nobody@x.com")  # an erased lead is harmless too
        with pytest.raises(KeyError):
            raw_item(store, "nobody@x.com")

    def test_setup_makes_the_four_indexes_on_demand(self, store):
        table = store.client.boto.describe_table(TableName=store.leads_table)["Table"]
        indexes = {
            i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
            for i in table["GlobalSecondaryIndexes"]
        }
        assert indexes == {
            "by-domain": ["domain", "sort_key"],
            "by-day": ["day", "sort_key"],
            "pending": ["pending", "sort_key"],
            "line": ["waiting", "rank"],
        }
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert store.setup() == [
            f"table {store.leads_table} exists",
            f"table {store.counters_table} exists",
        ]


class TestLabInterop:
    def test_the_labs_scan_reads_our_leads(self, store, lab_table):
        lab_table.setup()
        lab_table.add(lead("ann@x.com", preview=True, name="Ann"))
        lab_table.add(lead("bob@notx.com", preview=False, name="Bob", minutes=1))
        everything = Leads().get_leads(None, None)
        assert sorted((i["name"], i["email"], i["preview"]) for i in everything) == [
            ("Ann", "ann@x.com", "Yes"),
            ("Bob", "bob@notx.com", "No"),
        ]
        assert [i["email"] for i in Leads().get_leads(None, "Yes")] == ["ann@x.com"]

    def test_leads_the_lab_wrote_are_found_and_counted_once_adopted(self, store, lab_table):
        lab = Leads()
        assert lab.insert_lead("Ann", "ann@x.com", "Yes") == 200
        assert lab.insert_lead("Bob", "bob@x.com", "No") == 200
        assert lab.insert_lead("Cy", "cy@y.org", "Yes") == 200
        done = lab_table.setup()
        assert done[:1] == ["table ccbda-signup-table exists"]
        assert "added index by-domain to ccbda-signup-table" in done
        assert done[-1] == "created table ccbda-signup-table-counters"

        before = datetime.now(UTC)
        assert lab_table.rebuild_counts().unadopted == 3  # not counted before they are adopted
        assert lab_table.adopt_lab_leads().adopted == 3
        report = lab_table.rebuild_counts()
        assert (report.leads, report.cleared) == (3, 0)
        assert lab_table.domain_counts() == [DomainCount("x.com", 2, 1), DomainCount("y.org", 1, 1)]
        assert lab_table.total() == 3
        assert lab_table.daily_counts() == [DayCount(before.date(), 3)]
        found = lab_table.search(domain="x.com").items
        assert sorted((f.email, f.name, f.preview) for f in found) == [
            ("ann@x.com", "Ann", True),
            ("bob@x.com", "Bob", False),
        ]
        assert before <= found[0].created_at <= datetime.now(UTC)
        assert lab_table.pending() == []  # the lab's code already notified the owner

        assert lab_table.adopt_lab_leads().adopted == 0
        again = lab_table.rebuild_counts()
        assert (again.leads, again.unadopted) == (3, 0)
        assert lab_table.add(lead("ann@x.com")) is False  # the lab's lead is not overwritten
        assert lab_table.add(lead("dee@y.org", preview=True)) is True
        # Submitted again, the lab's lead is asked to confirm: pending now, beside the new one.
        assert lab_table.domain_counts() == [
            DomainCount("x.com", 2, 1, pending=1),
            DomainCount("y.org", 2, 2, pending=1),
        ]

    def test_a_lead_the_lab_wrote_and_we_never_counted_is_erased_cleanly(self, store, lab_table):
        lab_table.setup()
        lab_table.add(lead("ann@x.com"))
        Leads().insert_lead("Bob", "bob@x.com", "No")
        assert lab_table.delete("bob@x.com") is True
        assert lab_table.total() == 1
        assert Leads().get_leads("x.com", None) == [raw_item_as_resource(lab_table, "ann@x.com")]


def raw_item_as_resource(store, email: str) -> dict:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(store.leads_table)
    return table.get_item(Key={"email": email})["Item"]


class TestCursor:
    def test_it_rejects_a_domain_cursor_for_another_domain(self, store):
        for i in range(3):
            store.add(lead(f"u{i}@x.com", minutes=i))
            store.add(lead(f"u{i}@y.com", minutes=i))
        cursor = store.search(domain="x.com", limit=1).next
        assert store.search(domain="x.com", cursor=cursor, limit=1).items[0].email == "u1@x.com"
        with pytest.raises(InvalidCursor):
            store.search(domain="y.com", cursor=cursor)
        with pytest.raises(InvalidCursor):
            store.search(cursor=cursor)

    def test_it_rejects_forged_positions(self, store):
        store.add(lead("a@x.com"))
        store.add(lead("b@x.com", minutes=1))
        cursor = store.search(limit=1).next
        state = decode_cursor(cursor)
        assert state["t"].endswith("#b@x.com")  # the day, the place every part goes on below
        forged = [
            {**state, "d": "2026-13-01"},
            {**state, "d": "yesterday"},
            {**state, "t": "2026-11-19T12:01:00.000000Z#b@x.com"},  # another day's place
            {**state, "t": "x#b@x.com"},
            {**state, "t": {"S": state["t"]}},
            {**state, "x": [4]},  # there are parts 0 to 3
            {**state, "x": "0"},
            {**state, "extra": "1"},
            {**state, "m": "domain"},
            {"m": "day", "d": 5, "t": None, "x": []},
        ]
        for position in forged:
            with pytest.raises(InvalidCursor):
                store.search(cursor=encode_cursor(position))
        assert [i.email for i in store.search(cursor=cursor).items] == ["a@x.com"]

    def test_a_days_leads_are_spread_over_four_parts_and_listed_in_order(self, store):
        emails = [f"u{i:02d}@x.com" for i in range(40)]
        for i, email in enumerate(emails):
            store.add(lead(email, minutes=i, preview=i % 2 == 0))
        assert {raw_item(store, e)["day"]["S"] for e in emails} == {
            "2026-11-20",
            "2026-11-20#1",
            "2026-11-20#2",
            "2026-11-20#3",
        }
        for limit, preview in ((3, None), (7, None), (5, True)):
            listed, cursor = [], None
            while True:
                page = store.search(limit=limit, cursor=cursor, preview=preview)
                assert len(page.items) <= limit
                listed += [item.email for item in page.items]
                if page.next is None:
                    break
                cursor = page.next
            wanted = [e for i, e in enumerate(emails) if preview is None or i % 2 == 0]
            assert listed == list(reversed(wanted))

    def test_the_day_walk_skips_days_without_leads_and_reads_at_most_a_page(self, store):
        store.add(lead("a@x.com"))
        store.add(lead("b@x.com", minutes=60 * 24 * 30))
        store.add(lead("c@x.com", minutes=60 * 24 * 60))
        store.delete("b@x.com")
        pages, cursor = [], None
        while True:
            page = store.search(limit=1, cursor=cursor)
            pages.append([i.email for i in page.items])
            if page.next is None:
                break
            cursor = page.next
        assert [email for page in pages for email in page] == ["c@x.com", "a@x.com"]
        assert all(len(page) <= 1 for page in pages)
        assert store.daily_counts() == [
            DayCount(date(2026, 11, 20), 1, pending=1),
            DayCount(date(2027, 1, 19), 1, pending=1),
        ]

    def test_no_search_reads_more_than_a_page_of_leads(self, store):
        for i in range(30):  # three leads a day over ten days, one in four wants a preview
            store.add(lead(f"u{i:02d}@x.com", minutes=60 * 8 * i, preview=i % 4 == 0))
        calls: list[dict] = []
        store.client.listeners.append(
            lambda op, params, answer: calls.append(
                {**params, "op": op, "read": answer.get("ScannedCount")}
            )
        )
        found, cursor, pages = [], None, 0
        store.settle()
        del store.search  # the list's own calls only: the counters are settled already
        while True:
            calls.clear()
            page = store.search(preview=True, limit=4, cursor=cursor)
            assert {call["op"] for call in calls} == {"Query"}
            leads_read = sum(c["read"] for c in calls if c["TableName"] == store.leads_table)
            assert leads_read <= 4
            found += [item.email for item in page.items]
            pages += 1
            if page.next is None:
                break
            cursor = page.next
        assert found == [f"u{i:02d}@x.com" for i in reversed(range(0, 30, 4))]
        assert pages >= 30 / 4


# --- failures: a loopback stand-in for DynamoDB that throttles or cancels, in front of moto -----
class FaultyDynamo:
    """A proxy to moto that answers the first `faults` calls of `target` with an AWS error.

    With `forwarded`, those calls reach moto first: the write is done, its answer is lost.
    """

    def __init__(
        self, upstream: str, *, target: str, error: dict, faults: int, forwarded: bool = False
    ) -> None:
        self.faults = faults

        def decide(request: Request) -> Fault | None:
            if request.operation != target or not self.faults:
                return None
            self.faults -= 1
            return Fault(500 if forwarded else 400, error, forwarded=forwarded)

        self.proxy = FaultyProxy(upstream, decide)
        self.url = self.proxy.url

    @property
    def calls(self) -> list[str]:
        return [request.operation for request in self.proxy.seen]


CONFLICT = {
    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
    "message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
    "[TransactionConflict, None, None, None]",
    "CancellationReasons": [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * 3,
}
LOST = {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "lost"}
THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded.",
}


@pytest.fixture
def faulty(store, moto, monkeypatch):
    """Faults in front of DynamoDB's physics (which honours ClientRequestToken) before moto."""
    proxies = []
    physics = DynamoPhysicsProxy(moto.url).start()

    def start(target: str, error: dict, faults: int, forwarded: bool = False) -> FaultyDynamo:
        proxy = FaultyDynamo(
            physics.url, target=target, error=error, faults=faults, forwarded=forwarded
        )
        proxies.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        store.client.reset()  # a new client, pointed at the proxy
        return proxy

    yield start
    for proxy in proxies:
        proxy.proxy.close()
    physics.stop()


class TestFailure:
    def test_it_retries_a_transaction_conflict(self, store, faulty):
        store.add(lead("ann@x.com", preview=True))
        store.add(lead("bob@x.com"))
        proxy = faulty("TransactWriteItems", CONFLICT, faults=2)
        assert store.delete("ann@x.com") is True  # an erasure is a transaction
        assert proxy.calls.count("TransactWriteItems") >= 3
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_it_gives_up_on_endless_conflicts_with_nothing_written(self, store, faulty):
        store.add(lead("ann@x.com"))
        assert store.total() == 1
        faulty("TransactWriteItems", CONFLICT, faults=1000)
        with pytest.raises(StoreUnavailable):
            store.delete("ann@x.com")
        assert store.get("ann@x.com") is not None

    def test_throttling_is_retried_then_unavailable(self, store, faulty):
        proxy = faulty("UpdateItem", THROTTLED, faults=1000)
        with pytest.raises(StoreUnavailable):
            store.add(lead("ann@x.com"))
        assert proxy.calls.count("UpdateItem") == 3  # botocore's standard retries
        assert store.get("ann@x.com") is None

    def test_a_signup_whose_answer_was_lost_is_still_new(self, store, faulty):
        # botocore retries the write; the first try had stored it: ours, not a known email.
        proxy = faulty("UpdateItem", LOST, faults=1, forwarded=True)
        assert store.add(lead("ann@x.com")) is True
        assert proxy.calls.count("UpdateItem") == 2
        assert store.add(lead("ann@x.com", name="Other", minutes=1)) is False
        assert store.total() == 1

    def test_an_erasure_whose_answer_was_lost_still_says_it_erased(self, store, faulty):
        store.add(lead("ann@x.com"))
        faulty("TransactWriteItems", LOST, faults=1, forwarded=True)
        assert store.delete("ann@x.com") is True
        assert store.get("ann@x.com") is None
        assert store.total() == 0

    def test_short_throttling_is_absorbed(self, store, faulty):
        faulty("Query", THROTTLED, faults=2)
        store.add(lead("ann@x.com"))
        assert store.domain_counts() == [DomainCount("x.com", 1, 0, pending=1)]

    def test_an_unreachable_endpoint_is_unavailable_for_every_call(self, store, monkeypatch):
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
        store.client.reset()
        calls = [
            lambda: store.add(lead("ann@x.com")),
            lambda: store.get("ann@x.com"),
            lambda: store.delete("ann@x.com"),
            lambda: store.search(),
            lambda: store.search(domain="x.com"),
            store.domain_counts,
            store.daily_counts,
            store.total,
            store.pending,
            lambda: store.mark_notified("ann@x.com"),
            store.ping,
        ]
        for call in calls:
            with pytest.raises(StoreUnavailable):
                call()

    def test_commands_report_an_unreachable_store(self, store, monkeypatch):
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
        store.client.reset()
        for command in ("createtables", "rebuildcounts", "adoptlabtable", "sendpending"):
            with pytest.raises(CommandError, match="DynamoDB"):
                call_command(command)

    def test_empty_keys_find_nothing_instead_of_failing(self, store):
        store.add(lead("ann@x.com"))
        assert store.get("") is None
        assert store.delete("") is False
        assert store.search(domain="").items == []
