"""The CloudFormation template: what it creates and what each role may do."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

from deploy.tests.conftest import (
    ROOT,
    TEMPLATE,
    container,
    evaluate,
    of_type,
    props,
    resource,
    statements,
)
from leads.store.dynamodb.items import INDEXES

BIN = Path(sys.executable).parent
GUNICORN = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


class TestLint:
    def test_it_passes_cfn_lint(self):
        result = subprocess.run(
            [str(BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


class TestTables:
    def test_it_makes_both_tables_on_demand_with_point_in_time_recovery(self, template):
        for name in ("LeadsTable", "CountersTable"):
            table = props(template, name)
            assert table["BillingMode"] == "PAY_PER_REQUEST"
            assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
            assert resource(template, name)["DeletionPolicy"] == "Retain"

    def test_it_protects_the_leads_table_from_deletion(self, template):
        assert props(template, "LeadsTable")["DeletionProtectionEnabled"] is True

    def test_it_keys_the_tables_as_the_store_does(self, template):
        leads = props(template, "LeadsTable")
        assert leads["KeySchema"] == [{"AttributeName": "email", "KeyType": "HASH"}]
        indexes = {i["IndexName"]: i["KeySchema"] for i in leads["GlobalSecondaryIndexes"]}
        assert indexes == {
            name: [
                {"AttributeName": key, "KeyType": "HASH"},
                {"AttributeName": sort, "KeyType": "RANGE"},
            ]
            for name, (key, sort) in INDEXES.items()
        }
        assert [k["AttributeName"] for k in props(template, "CountersTable")["KeySchema"]] == [
            "kind",
            "key",
        ]

    def test_it_names_the_tables_as_the_settings_do(self, template):
        params = template["Parameters"]
        assert params["LeadsTableName"]["Default"] == "ccbda-signup-table"
        assert params["CountersTableName"]["Default"] == "ccbda-signup-table-counters"


class TestStatic:
    def test_it_keeps_the_bucket_private_and_encrypted(self, template):
        bucket = props(template, "StaticBucket")
        assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
        assert len(bucket["PublicAccessBlockConfiguration"]) == 4
        assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]

    def test_it_lets_only_the_distribution_read_the_bucket(self, template):
        allows = [
            s
            for s in props(template, "StaticBucketPolicy")["PolicyDocument"]["Statement"]
            if s["Effect"] == "Allow"
        ]
        assert len(allows) == 1
        assert allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert allows[0]["Action"] == "s3:GetObject"
        source = allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${StaticDistribution}")

    def test_it_serves_through_origin_access_control_compressed_and_https_only(self, template):
        config = props(template, "StaticDistribution")["DistributionConfig"]
        (origin,) = config["Origins"]
        assert origin["OriginAccessControlId"] == {
            "Fn::GetAtt": ["StaticOriginAccessControl", "Id"]
        }
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
        oac = props(template, "StaticOriginAccessControl")["OriginAccessControlConfig"]
        assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
        behaviour = config["DefaultCacheBehavior"]
        assert behaviour["Compress"] is True
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        # Managed CachingOptimized: honours the year-long Cache-Control of hashed files.
        assert behaviour["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"


class TestImages:
    def test_it_scans_images_and_expires_old_ones(self, template):
        repository = props(template, "Repository")
        assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
        text = repository["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"]
        keep = template["Parameters"]["ImagesToKeep"]["Default"]
        (rule,) = json.loads(text.replace("${ImagesToKeep}", str(keep)))["rules"]
        assert rule["selection"]["countType"] == "imageCountMoreThan"
        assert rule["selection"]["countNumber"] == keep
        assert rule["action"] == {"type": "expire"}


class TestService:
    def test_it_rolls_back_a_failing_deployment(self, template):
        config = props(template, "WebService")["DeploymentConfiguration"]
        assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}

    def test_it_checks_health_on_healthz(self, template):
        group = props(template, "WebTargetGroup")
        assert group["HealthCheckPath"] == "/healthz"
        assert group["Matcher"] == {"HttpCode": "200"}
        assert container(template, "WebTaskDefinition")["HealthCheck"]["Command"] == [
            "CMD",
            "python",
            "deploy/healthcheck.py",
        ]

    def test_it_drains_and_stops_within_the_time_ecs_gives(self, template):
        attributes = {
            a["Key"]: a["Value"] for a in props(template, "WebTargetGroup")["TargetGroupAttributes"]
        }
        delay = int(attributes["deregistration_delay.timeout_seconds"])
        stop = container(template, "WebTaskDefinition")["StopTimeout"]
        assert 10 <= delay <= 30
        assert delay < GUNICORN["graceful_timeout"] < stop == GUNICORN["ECS_STOP_TIMEOUT"]

    def test_the_service_waits_for_the_listener_that_forwards_to_it(self, template):
        assert resource(template, "WebService")["DependsOn"] == "ListenersReady"
        metadata = resource(template, "ListenersReady")["Metadata"]
        assert metadata["Forwarding"] == {
            "Fn::If": ["HasCertificate", {"Ref": "HttpsListener"}, {"Ref": "HttpListener"}]
        }

    def test_it_refuses_cpu_and_memory_that_fargate_does_not_pair(self, template):
        # Fargate's table for these sizes: CPU units -> the memory (MB) it can run with.
        fargate = {"256": {"512", "1024", "2048"}, "512": {"1024", "2048"}, "1024": {"2048"}}
        (assertion,) = template["Rules"]["FargateMemoryFitsCpu"]["Assertions"]
        parameters = template["Parameters"]
        for cpu in parameters["TaskCpu"]["AllowedValues"]:
            for memory in parameters["TaskMemory"]["AllowedValues"]:
                given = {"TaskCpu": cpu, "TaskMemory": memory}
                assert evaluate(assertion["Assert"], given) == (memory in fargate[cpu])

    def test_it_runs_containers_on_a_read_only_root_with_a_scratch_volume(self, template):
        for task in ("WebTaskDefinition", "MaintenanceTaskDefinition", "WorkerTaskDefinition"):
            definition = container(template, task)
            assert definition["ReadonlyRootFilesystem"] is True
            assert definition["MountPoints"] == [{"SourceVolume": "tmp", "ContainerPath": "/tmp"}]
            assert props(template, task)["Volumes"] == [{"Name": "tmp"}]
        # ECS fills the volume from the image (mode 1777) only where the image declares one.
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert 'VOLUME ["/tmp"]' in dockerfile.partition("\nFROM ")[2].partition("\nFROM ")[2]

    def test_the_load_balancer_waits_for_the_internet_gateway(self, template):
        assert resource(template, "LoadBalancer")["DependsOn"] == "GatewayAttachment"

    def test_it_reads_the_secret_key_from_secrets_manager(self, template):
        for task in ("WebTaskDefinition", "MaintenanceTaskDefinition", "WorkerTaskDefinition"):
            definition = container(template, task)
            secrets = {s["Name"]: s["ValueFrom"] for s in definition["Secrets"]}
            assert secrets["DJANGO_SECRET_KEY"] == {"Fn::Sub": "${AppSecret}:DJANGO_SECRET_KEY::"}
            if task != "WorkerTaskDefinition":  # the worker never opens PostgreSQL
                assert secrets["DATABASE_URL"] == {"Fn::Sub": "${AppSecret}:DATABASE_URL::"}
            plain = {e["Name"] for e in definition["Environment"]}
            assert not plain & {"DJANGO_SECRET_KEY", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY"}

    def test_it_only_sets_variables_the_settings_read(self, template):
        settings = (ROOT / "waitlist" / "settings.py").read_text()
        for task in ("WebTaskDefinition", "WorkerTaskDefinition"):
            names = {e["Name"] for e in container(template, task)["Environment"]}
            names.discard("WEB_CONCURRENCY")  # read by deploy/gunicorn.conf.py
            assert names and all(f'"{name}"' in settings for name in names)

    def test_it_logs_to_a_group_with_retention(self, template):
        logs = container(template, "WebTaskDefinition")["LogConfiguration"]
        assert logs["LogDriver"] == "awslogs"
        assert logs["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
        assert props(template, "LogGroup")["RetentionInDays"] == {"Ref": "LogRetentionDays"}

    def test_it_admits_web_traffic_from_the_load_balancer_only(self, template):
        (rule,) = props(template, "WebSecurityGroup")["SecurityGroupIngress"]
        assert rule["SourceSecurityGroupId"] == {"Ref": "AlbSecurityGroup"}
        assert "CidrIp" not in rule
        for group in ("TaskSecurityGroup", "WorkerSecurityGroup"):
            assert "SecurityGroupIngress" not in props(template, group)
        database = props(template, "DatabaseSecurityGroup")["SecurityGroupIngress"]
        assert {r["SourceSecurityGroupId"]["Ref"] for r in database} == {
            "WebSecurityGroup",
            "TaskSecurityGroup",
        }

    def test_it_makes_cookies_secure_and_redirects_exactly_when_there_is_https(self, template):
        for task in ("WebTaskDefinition", "MaintenanceTaskDefinition"):
            env = {e["Name"]: e["Value"] for e in container(template, task)["Environment"]}
            for name in ("DJANGO_SECURE_COOKIES", "DJANGO_SECURE_SSL_REDIRECT"):
                assert env[name] == {"Fn::If": ["HasCertificate", "True", "False"]}

    def test_it_adds_https_only_with_a_certificate(self, template):
        assert resource(template, "HttpsListener")["Condition"] == "HasCertificate"
        (action,) = props(template, "HttpListener")["DefaultActions"]
        assert action["Fn::If"][0] == "HasCertificate"
        assert action["Fn::If"][1]["Type"] == "redirect"


class TestNetwork:
    def test_it_needs_no_nat_gateway(self, template):
        assert not of_type(template, "AWS::EC2::NatGateway")
        network = props(template, "WebService")["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["AssignPublicIp"] == "ENABLED"

    def test_it_keeps_the_database_private_and_encrypted(self, template):
        database = props(template, "Database")
        assert database["PubliclyAccessible"] is False
        assert database["StorageEncrypted"] is True
        assert resource(template, "Database")["DeletionPolicy"] == "Snapshot"
        subnets = props(template, "DatabaseSubnetGroup")["SubnetIds"]
        routes = of_type(template, "AWS::EC2::SubnetRouteTableAssociation").values()
        for subnet in subnets:
            (table,) = [
                r["Properties"]["RouteTableId"]
                for r in routes
                if r["Properties"]["SubnetId"] == subnet
            ]
            assert table == {"Ref": "IsolatedRouteTable"}
        assert all(
            r["Properties"]["RouteTableId"] != {"Ref": "IsolatedRouteTable"}
            for r in of_type(template, "AWS::EC2::Route").values()
        )


class TestSchedule:
    def test_it_runs_sendpending_on_a_schedule(self, template):
        schedule = props(template, "SendPendingSchedule")
        target = schedule["Target"]
        assert schedule["ScheduleExpression"] == {"Ref": "SendPendingRate"}
        assert target["EcsParameters"]["TaskDefinitionArn"] == {"Ref": "MaintenanceTaskDefinition"}
        overrides = json.loads(target["Input"])["containerOverrides"]
        assert overrides == [{"name": "task", "command": ["python", "manage.py", "sendpending"]}]
        assert container(template, "MaintenanceTaskDefinition")["Name"] == "task"

    def test_it_lets_the_scheduler_start_only_that_task(self, template):
        run, pass_role = statements(template, "SchedulerRole")
        assert run["Action"] == "ecs:RunTask"
        assert run["Resource"]["Fn::Sub"].endswith("task-definition/${AWS::StackName}-task:*")
        assert pass_role["Resource"] == [
            {"Fn::GetAtt": ["ExecutionRole", "Arn"]},
            {"Fn::GetAtt": ["MaintenanceTaskRole", "Arn"]},
        ]
