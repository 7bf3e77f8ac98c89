"""The template's launch-day parts: the stream and the worker service, web autoscaling, and
DynamoDB's warm throughput."""

from deploy.tests.conftest import container, props, resource

WORKER = "WorkerTaskDefinition"


class TestStream:
    def test_the_leads_table_streams_both_images_of_each_change(self, template):
        stream = props(template, "LeadsTable")["StreamSpecification"]
        assert stream == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert "StreamSpecification" not in props(template, "CountersTable")


class TestWorker:
    def test_it_runs_the_web_image_with_the_worker_command(self, template):
        worker = container(template, WORKER)
        assert worker["Command"] == ["python", "manage.py", "runworker"]
        assert worker["Image"] == container(template, "WebTaskDefinition")["Image"]
        assert "PortMappings" not in worker

    def test_it_logs_to_the_stack_group_under_its_own_prefix(self, template):
        options = container(template, WORKER)["LogConfiguration"]["Options"]
        assert options["awslogs-group"] == {"Ref": "LogGroup"}
        assert options["awslogs-stream-prefix"] == "worker"
        prefixes = {
            container(template, task)["LogConfiguration"]["Options"]["awslogs-stream-prefix"]
            for task in ("WebTaskDefinition", "MaintenanceTaskDefinition", WORKER)
        }
        assert len(prefixes) == 3

    def test_it_stops_within_thirty_seconds(self, template):
        assert 0 < container(template, WORKER)["StopTimeout"] <= 30

    def test_it_gets_no_database_url_and_no_way_into_the_database(self, template):
        worker = container(template, WORKER)
        assert [s["Name"] for s in worker["Secrets"]] == ["DJANGO_SECRET_KEY"]
        env = {e["Name"]: e["Value"] for e in worker["Environment"]}
        assert env["NEW_SIGNUP_TOPIC"] == {"Ref": "SignupTopic"}
        assert env["LEADS_BACKEND"] == "dynamodb"
        assert "DATABASE_URL" not in env and "CACHE_URL" not in env
        database = props(template, "DatabaseSecurityGroup")["SecurityGroupIngress"]
        assert {"Ref": "WorkerSecurityGroup"} not in [r["SourceSecurityGroupId"] for r in database]

    def test_its_service_runs_worker_count_tasks_beside_the_web_without_a_balancer(self, template):
        service = props(template, "WorkerService")
        assert service["TaskDefinition"] == {"Ref": WORKER}
        assert service["Cluster"] == {"Ref": "Cluster"}
        assert service["DesiredCount"] == {"Fn::If": ["WebBootstrap", 0, {"Ref": "WorkerCount"}]}
        assert template["Parameters"]["WorkerCount"]["Default"] == 1
        assert "LoadBalancers" not in service
        config = service["DeploymentConfiguration"]
        assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["SecurityGroups"] == [{"Ref": "WorkerSecurityGroup"}]
        assert network["AssignPublicIp"] == "ENABLED"
        web = props(template, "WebService")["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["Subnets"] == web["Subnets"]

    def test_the_stack_names_the_worker_service_for_the_deploy(self, template):
        assert template["Outputs"]["WorkerServiceName"]["Value"] == {
            "Fn::GetAtt": ["WorkerService", "Name"]
        }


class TestRateLimits:
    def test_web_and_one_off_tasks_keep_them_in_dynamodb_not_the_database(self, template):
        for task in ("WebTaskDefinition", "MaintenanceTaskDefinition"):
            env = {e["Name"]: e["Value"] for e in container(template, task)["Environment"]}
            assert (env["CACHE_URL"], env["LEADS_BACKEND"]) == ("dynamodb://", "dynamodb")

    def test_the_counters_table_deletes_their_items_when_they_end(self, template):
        ttl = props(template, "CountersTable")["TimeToLiveSpecification"]
        assert ttl == {"AttributeName": "expires", "Enabled": True}
        assert "TimeToLiveSpecification" not in props(template, "LeadsTable")


class TestAutoscaling:
    def test_it_scales_the_web_service_between_min_and_max_tasks(self, template):
        target = props(template, "WebScalableTarget")
        assert target["ServiceNamespace"] == "ecs"
        assert target["ScalableDimension"] == "ecs:service:DesiredCount"
        assert target["ResourceId"] == {"Fn::Sub": "service/${Cluster}/${WebService.Name}"}
        assert target["MinCapacity"] == {"Fn::If": ["WebBootstrap", 0, {"Ref": "MinTasks"}]}
        assert target["MaxCapacity"] == {"Fn::If": ["WebBootstrap", 0, {"Ref": "MaxTasks"}]}
        parameters = template["Parameters"]
        assert (parameters["MinTasks"]["Default"], parameters["MaxTasks"]["Default"]) == (1, 25)

    def test_its_maximum_at_its_target_takes_a_thousand_signups_a_second(self, template):
        # A visitor is two requests (the page, the signup): 1,000 signups a second is 2,000
        # requests a second, spread over the tasks at the target each (per minute).
        parameters = template["Parameters"]
        per_task = parameters["TargetRequestsPerTask"]["Default"] / 60
        assert parameters["MaxTasks"]["Default"] * per_task >= 2 * 1000

    def test_it_uses_the_service_linked_role(self, template):
        assert "RoleARN" not in props(template, "WebScalableTarget")

    def test_it_tracks_requests_per_task_out_fast_and_in_slowly(self, template):
        policy = props(template, "WebScalingPolicy")
        assert policy["PolicyType"] == "TargetTrackingScaling"
        assert policy["ScalingTargetId"] == {"Ref": "WebScalableTarget"}
        tracking = policy["TargetTrackingScalingPolicyConfiguration"]
        metric = tracking["PredefinedMetricSpecification"]
        assert metric["PredefinedMetricType"] == "ALBRequestCountPerTarget"
        assert metric["ResourceLabel"] == {
            "Fn::Join": [
                "/",
                [
                    {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]},
                    {"Fn::GetAtt": ["WebTargetGroup", "TargetGroupFullName"]},
                ],
            ]
        }
        assert tracking["TargetValue"] == {"Ref": "TargetRequestsPerTask"}
        assert (tracking["ScaleOutCooldown"], tracking["ScaleInCooldown"]) == (60, 300)
        assert tracking.get("DisableScaleIn", False) is False

    def test_deploys_leave_the_number_of_web_tasks_to_autoscaling(self, template):
        # In the template, DesiredCount would be set again by every update of the service.
        assert props(template, "WebService")["DesiredCount"] == {
            "Fn::If": ["WebBootstrap", 0, {"Ref": "AWS::NoValue"}]
        }
        assert "DesiredCount" not in template["Parameters"]

    def test_the_web_service_waits_for_its_listener_before_it_is_scaled(self, template):
        assert resource(template, "WebService")["DependsOn"] == "ListenersReady"


class TestWarmThroughput:
    def test_it_stays_on_demand_and_pre_warms_only_when_asked(self, template):
        leads = props(template, "LeadsTable")
        assert leads["BillingMode"] == "PAY_PER_REQUEST"
        warm = {
            "Fn::If": [
                "PreWarm",
                {"WriteUnitsPerSecond": {"Ref": "WarmWriteUnitsPerSecond"}},
                {"Ref": "AWS::NoValue"},
            ]
        }
        assert leads["WarmThroughput"] == warm
        # Every signup writes these indexes too: each is warmed as much as the table. The line
        # takes a write a confirmation, never a launch's burst of signups.
        warmed = {i["IndexName"]: i.get("WarmThroughput") for i in leads["GlobalSecondaryIndexes"]}
        assert warmed == {"by-domain": warm, "by-day": warm, "pending": warm, "line": None}
        assert template["Parameters"]["WarmWriteUnitsPerSecond"]["Default"] == 0
        assert template["Conditions"]["PreWarm"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "WarmWriteUnitsPerSecond"}, "0"]}]
        }
