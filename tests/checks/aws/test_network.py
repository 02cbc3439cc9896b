"""Network checks: security groups facing the internet, default groups, load balancers."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS

from .builders import ACCOUNT, REGION, error, inventory, perm, security_group, sg_arn

WORLD = "0.0.0.0/0"
WORLD6 = "::/0"


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


def _sgs(*groups):
    return inventory(security_groups={REGION: list(groups)})


# ---- aws_ec2_sg_no_ssh_world ---------------------------------------------------------------


def test_ssh_world(run_check):
    inv = _sgs(
        security_group("sg-ok", [perm("tcp", 22, cidr="10.0.0.0/8"), perm("tcp", 443, cidr=WORLD)]),
        security_group("sg-bad", [perm("tcp", 22, cidr=WORLD)]),
    )
    results = run_check("aws_ec2_sg_no_ssh_world", inv)
    assert _ids(results) == [(PASS, sg_arn("sg-ok")), (FAIL, sg_arn("sg-bad"))]
    assert (
        results[1].message == "Security group sg-bad allows 0.0.0.0/0 to port 22 (rule tcp 22-22)."
    )
    assert results[1].resource_type == "security-group"


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        (perm("tcp", 0, 1024, cidr6=WORLD6), FAIL),  # IPv6 world, range covering 22
        (perm("-1", cidr=WORLD), FAIL),  # all traffic
        (perm("icmp", 22, 22, cidr=WORLD), PASS),  # ICMP type 22, not a port
        (perm("tcp", 23, 65535, cidr=WORLD), PASS),  # range just past 22
    ],
)
def test_ssh_world_edge(run_check, rule, status):
    assert _ids(run_check("aws_ec2_sg_no_ssh_world", _sgs(security_group("sg-e", [rule])))) == [
        (status, sg_arn("sg-e"))
    ]


# ---- aws_ec2_sg_no_rdp_world ---------------------------------------------------------------


def test_rdp_world(run_check):
    inv = _sgs(
        security_group("sg-ok", [perm("tcp", 22, cidr=WORLD)]),
        security_group("sg-bad", [perm("udp", 3389, cidr=WORLD)]),
    )
    assert _ids(run_check("aws_ec2_sg_no_rdp_world", inv)) == [
        (PASS, sg_arn("sg-ok")),
        (FAIL, sg_arn("sg-bad")),
    ]


def test_rdp_world_edge_failed_region(run_check):
    # A failed listing leaves the region out of the mapping; the runner reports the error.
    inv = inventory(security_groups={REGION: []}, errors=(error("security_groups", "eu-west-1"),))
    assert run_check("aws_ec2_sg_no_rdp_world", inv) == []


# ---- aws_ec2_sg_no_admin_db_ports_world ----------------------------------------------------


def test_admin_db_ports_world(run_check):
    inv = _sgs(
        security_group("sg-ok", [perm("tcp", 5432, cidr="10.1.0.0/16")]),
        security_group("sg-bad", [perm("tcp", 3306, cidr=WORLD), perm("tcp", 6379, cidr=WORLD)]),
    )
    results = run_check("aws_ec2_sg_no_admin_db_ports_world", inv)
    assert _ids(results) == [(PASS, sg_arn("sg-ok")), (FAIL, sg_arn("sg-bad"))]
    assert [e["port"] for e in results[1].data["exposures"]] == [3306, 6379]


def test_admin_db_ports_world_edge_wide_range(run_check):
    inv = _sgs(security_group("sg-r", [perm("tcp", 1000, 2000, cidr=WORLD)]))
    [r] = run_check("aws_ec2_sg_no_admin_db_ports_world", inv)
    assert (r.status, r.resource_id) == (FAIL, sg_arn("sg-r"))
    assert [e["port"] for e in r.data["exposures"]] == [1433, 1521]


# ---- aws_ec2_sg_no_all_ports_world ---------------------------------------------------------


def test_all_ports_world(run_check):
    inv = _sgs(
        security_group("sg-ok", [perm("tcp", 443, cidr=WORLD), perm("-1", cidr="10.0.0.0/8")]),
        security_group("sg-bad", [perm("-1", cidr6=WORLD6)]),
    )
    assert _ids(run_check("aws_ec2_sg_no_all_ports_world", inv)) == [
        (PASS, sg_arn("sg-ok")),
        (FAIL, sg_arn("sg-bad")),
    ]


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        (perm("tcp", 0, 65535, cidr=WORLD), FAIL),
        (perm("udp", 1, 65535, cidr=WORLD), FAIL),
        (perm("tcp", 1, 65534, cidr=WORLD), PASS),
    ],
)
def test_all_ports_world_edge(run_check, rule, status):
    [r] = run_check("aws_ec2_sg_no_all_ports_world", _sgs(security_group("sg-e", [rule])))
    assert (r.status, r.resource_id) == (status, sg_arn("sg-e"))


# ---- aws_ec2_default_sg_closed -------------------------------------------------------------


def test_default_sg_closed(run_check):
    inv = _sgs(
        security_group("sg-d1", name="default", vpc="vpc-1"),
        security_group("sg-d2", egress=[perm("-1", cidr=WORLD)], name="default", vpc="vpc-2"),
        security_group("sg-app", [perm("tcp", 443, cidr=WORLD)]),
    )
    results = run_check("aws_ec2_default_sg_closed", inv)
    # Non-default groups are out of scope.
    assert _ids(results) == [(PASS, sg_arn("sg-d1")), (FAIL, sg_arn("sg-d2"))]


def test_default_sg_closed_edge_self_reference(run_check):
    self_ref = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-d"}], "IpRanges": []}
    [r] = run_check(
        "aws_ec2_default_sg_closed", _sgs(security_group("sg-d", [self_ref], name="default"))
    )
    assert (r.status, r.resource_id) == (FAIL, sg_arn("sg-d"))


# ---- load balancers ------------------------------------------------------------------------


def _lb(name, kind="application", attrs=None, listeners=None):
    return {
        "LoadBalancerName": name,
        "LoadBalancerArn": lb_arn(name),
        "Type": kind,
        "Scheme": "internet-facing",
        "SentinelAttributes": attrs
        if attrs is not None
        else {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "lb-logs"},
        "SentinelListeners": listeners if listeners is not None else [_https()],
    }


def lb_arn(name):
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/abc"


def _https(policy="ELBSecurityPolicy-TLS13-1-2-2021-06", port=443):
    return {
        "Protocol": "HTTPS",
        "Port": port,
        "SslPolicy": policy,
        "DefaultActions": [{"Type": "forward"}],
    }


def _http(redirect=True):
    action = (
        {
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
        }
        if redirect
        else {"Type": "forward", "TargetGroupArn": "tg"}
    )
    return {"Protocol": "HTTP", "Port": 80, "DefaultActions": [action]}


def test_elb_access_logs(run_check):
    lbs = {REGION: [_lb("logged"), _lb("silent", attrs={"access_logs.s3.enabled": "false"})]}
    results = run_check("aws_elb_access_logs", inventory(load_balancers=lbs))
    assert _ids(results) == [(PASS, lb_arn("logged")), (FAIL, lb_arn("silent"))]


def test_elb_access_logs_edge(run_check):
    lbs = {
        REGION: [
            _lb("gwlb", kind="gateway", attrs={}),
            _lb("nlb-tcp", kind="network", attrs={}, listeners=[{"Protocol": "TCP", "Port": 5432}]),
            _lb("nlb-tls", kind="network", attrs={}, listeners=[{"Protocol": "TLS", "Port": 443}]),
            {**_lb("unknown"), "SentinelAttributes": None},
        ]
    }
    results = run_check("aws_elb_access_logs", inventory(load_balancers=lbs))
    assert _ids(results) == [(FAIL, lb_arn("nlb-tls")), (ERROR, lb_arn("unknown"))]


def test_elb_https_only(run_check):
    lbs = {
        REGION: [
            _lb("good", listeners=[_https(), _http(redirect=True)]),
            _lb("plain", listeners=[_http(redirect=False)]),
            _lb("old-tls", listeners=[_https("ELBSecurityPolicy-2016-08")]),
        ]
    }
    results = run_check("aws_elb_https_only", inventory(load_balancers=lbs))
    assert _ids(results) == [
        (PASS, lb_arn("good")),
        (FAIL, lb_arn("plain")),
        (FAIL, lb_arn("old-tls")),
    ]


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", PASS),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", PASS),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", PASS),
        ("ELBSecurityPolicy-FS-1-1-2019-08", FAIL),
        ("ELBSecurityPolicy-TLS13-1-0-2021-06", FAIL),
    ],
)
def test_elb_https_only_edge_policies(run_check, policy, status):
    lbs = {REGION: [_lb("x", listeners=[_https(policy)]), _lb("n", kind="network")]}
    assert _ids(run_check("aws_elb_https_only", inventory(load_balancers=lbs))) == [
        (status, lb_arn("x"))
    ]


def test_elb_edge_per_balancer_errors(run_check):
    denied = {
        **_lb("nlb", kind="network", attrs={}, listeners=[]),
        "SentinelListeners": None,
        "SentinelErrors": {
            "SentinelListeners": "elasticloadbalancing:DescribeListeners: Throttling"
        },
    }
    alb = {
        **_lb("alb"),
        "SentinelListeners": None,
        "SentinelErrors": {
            "SentinelListeners": "elasticloadbalancing:DescribeListeners: Throttling"
        },
    }
    inv = inventory(
        load_balancers={REGION: [denied, alb]}, errors=(error("load_balancers", REGION),)
    )
    assert _ids(run_check("aws_elb_access_logs", inv)) == [
        (ERROR, lb_arn("nlb")),
        (PASS, lb_arn("alb")),
    ]
    assert _ids(run_check("aws_elb_https_only", inv)) == [(ERROR, lb_arn("alb"))]
