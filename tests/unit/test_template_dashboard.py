"""The dashboard lives in its own file (issue 10): template.yaml includes it with AWS::Include,
and the translated template carries the same body CloudFormation would (README, "Deploying")."""

from __future__ import annotations

import json
import re

from samtranslator.yaml_helper import yaml_parse

from icp_local.cloud import DEFAULT_TEMPLATE
from icp_local.template import translate

LOCATION = "dashboards/operations.yaml"


def test_the_template_includes_the_dashboard_body_from_its_own_file():
    sam = yaml_parse(DEFAULT_TEMPLATE.read_text())
    body = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
    assert body == {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": LOCATION}}}
    assert "widgets" not in DEFAULT_TEMPLATE.read_text()


def test_the_included_body_is_a_dashboard_once_substituted():
    body = translate(DEFAULT_TEMPLATE, "us-east-1")["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
    assert set(body) == {"Fn::Sub"}  # long form: an included snippet takes no short-form tags
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body["Fn::Sub"]))
    titles = [w["properties"]["title"] for w in dashboard["widgets"] if "title" in w.get("properties", {})]
    assert "Executions started by workflow" in titles
    assert "\nFn::Sub: |\n" in (DEFAULT_TEMPLATE.parent / LOCATION).read_text()
