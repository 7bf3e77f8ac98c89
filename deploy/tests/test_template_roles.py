"""The template's IAM roles: what each task may do, and on what."""

import re

from deploy.tests.conftest import actions, container, props, statements


class TestRoles:
    def test_it_lets_the_web_role_do_only_what_requests_do(self, template):
        # No sns:Publish (the worker notifies) and no Scan; BatchGetItem reads a place's nodes.
        assert actions(template, "WebTaskRole") == {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        }

    def test_it_never_lets_the_web_role_scan_or_manage_tables(self, template):
        granted = actions(template, "WebTaskRole")
        assert not any(re.search(r"Scan|\*|Table|BatchWrite", action) for action in granted)

    def test_it_scopes_the_web_role_to_the_two_tables_and_the_indexes(self, template):
        (dynamo,) = statements(template, "WebTaskRole")
        assert dynamo["Resource"] == [
            {"Fn::GetAtt": ["LeadsTable", "Arn"]},
            {"Fn::Sub": "${LeadsTable.Arn}/index/*"},
            {"Fn::GetAtt": ["CountersTable", "Arn"]},
        ]

    def test_it_lets_the_maintenance_role_scan_but_not_manage_tables(self, template):
        granted = actions(template, "MaintenanceTaskRole")
        assert {"dynamodb:Scan", "sns:Publish"} <= granted
        assert {a for a in granted if a.endswith("Table")} == {"dynamodb:DescribeTable"}
        # rebuildcounts brings the counters up to date from the stream, before and after.
        (stream,) = [s for s in statements(template, "MaintenanceTaskRole") if "stream" in str(s)]
        assert stream["Resource"] == {"Fn::Sub": "${LeadsTable.Arn}/stream/*"}

    def test_it_lets_the_execution_role_read_only_the_app_secret(self, template):
        secret = [s for s in statements(template, "ExecutionRole") if "secretsmanager" in str(s)]
        assert secret == [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": {"Ref": "AppSecret"},
            }
        ]

    def test_it_gives_each_task_its_own_role(self, template):
        assert container(template, "WebTaskDefinition")["Name"] == "web"
        assert props(template, "WebTaskDefinition")["TaskRoleArn"] == {
            "Fn::GetAtt": ["WebTaskRole", "Arn"]
        }
        for task, role in (
            ("MaintenanceTaskDefinition", "MaintenanceTaskRole"),
            ("WorkerTaskDefinition", "WorkerTaskRole"),
        ):
            assert props(template, task)["TaskRoleArn"] == {"Fn::GetAtt": [role, "Arn"]}


class TestWorkerRole:
    """deploy/tests/test_task_roles.py checks these grants against the calls a worker makes."""

    def test_it_lets_the_worker_do_only_what_a_round_does(self, template):
        by_sid = {s["Sid"]: s for s in statements(template, "WorkerTaskRole")}
        leads, counters = (
            {"Fn::GetAtt": ["LeadsTable", "Arn"]},
            {"Fn::GetAtt": ["CountersTable", "Arn"]},
        )
        assert {
            sid: (
                sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"]),
                s["Resource"],
            )
            for sid, s in by_sid.items()
        } == {
            "FindTheStream": (["dynamodb:DescribeTable"], leads),
            "ReadTheStream": (
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                {"Fn::Sub": "${LeadsTable.Arn}/stream/*"},
            ),
            "MoveTheCounters": (["dynamodb:Query", "dynamodb:UpdateItem"], counters),
            "DecideCredits": (
                ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
                counters,
            ),
            "ReadReferrers": (["dynamodb:GetItem"], leads),
            "ReadPlaces": (["dynamodb:BatchGetItem"], counters),
            "FindPending": (["dynamodb:Query"], {"Fn::Sub": "${LeadsTable.Arn}/index/pending"}),
            "MarkNotified": (["dynamodb:UpdateItem"], leads),
            "Notify": (["sns:Publish"], {"Ref": "SignupTopic"}),
        }
        assert all(s["Effect"] == "Allow" and "Condition" not in s for s in by_sid.values())

    def test_it_never_lets_the_worker_write_or_scan_leads_or_manage_tables(self, template):
        granted = actions(template, "WorkerTaskRole")
        assert not [a for a in granted if re.search(r"Scan|BatchWrite|\*|Create|Update.*Table", a)]
        on_leads = [s for s in statements(template, "WorkerTaskRole") if "LeadsTable" in str(s)]
        assert not [s for s in on_leads if re.search(r"Put|Delete", str(s["Action"]))]
        assert {a for a in granted if a.endswith("Table")} == {"dynamodb:DescribeTable"}
        assert "sns:Publish" not in actions(template, "WebTaskRole")
