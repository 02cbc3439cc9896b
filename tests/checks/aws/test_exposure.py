"""Network exposure checks: network ACLs, web-open groups and the instances they expose, instances
on administrative ports, subnets that assign public IPs."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS, WARNING

from .builders import (
    ACCOUNT,
    REGION,
    error,
    instance,
    instance_arn,
    inventory,
    perm,
    security_group,
    sg_arn,
)

WORLD = "0.0.0.0/0"
WORLD6 = "::/0"


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


def _entry(number, action, protocol="-1", ports=None, *, cidr=WORLD, cidr6=None, egress=False):
    entry = {"RuleNumber": number, "RuleAction": action, "Protocol": protocol, "Egress": egress}
    if cidr6:
        entry["Ipv6CidrBlock"] = cidr6
    else:
        entry["CidrBlock"] = cidr
    if ports:
        entry["PortRange"] = {"From": ports[0], "To": ports[1]}
    return entry


def _acl(acl_id, *entries, vpc="vpc-1", default=False, subnets=()):
    return {
        "NetworkAclId": acl_id,
        "VpcId": vpc,
        "IsDefault": default,
        "OwnerId": ACCOUNT,
        "Entries": [*entries, _entry(32767, "deny"), _entry(32767, "deny", egress=True)],
        "Associations": [{"NetworkAclId": acl_id, "SubnetId": s} for s in subnets],
    }


def _acl_arn(acl_id):
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/{acl_id}"


# ---- aws_ec2_nacl_no_admin_ports_world -----------------------------------------------------


def test_nacl_no_admin_ports_world(run_check):
    acls = [
        _acl("acl-default", _entry(100, "allow"), default=True),
        _acl("acl-web", _entry(100, "allow", "6", (443, 443)), _entry(110, "allow", "6", (49152, 65535))),
    ]  # fmt: skip
    results = run_check("aws_ec2_nacl_no_admin_ports_world", inventory(network_acls={REGION: acls}))
    assert _ids(results) == [(FAIL, _acl_arn("acl-default")), (PASS, _acl_arn("acl-web"))]
    assert results[0].message == (
        "Network ACL acl-default allows 0.0.0.0/0 to port 22 (rule 100: all traffic) and 2 more."
    )
    assert [e["port"] for e in results[0].data["exposures"]] == [22, 3389, "all"]
    assert results[0].resource_type == "network-acl"
    assert results[1].message == (
        "Network ACL acl-web lets the internet reach neither ports 22 and 3389 nor all ports."
    )


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        # A lower-numbered deny of the same traffic wins over the allow-all.
        ([_entry(50, "deny", "6", (22, 22)), _entry(60, "deny", "6", (3389, 3389)), _entry(70, "deny"), _entry(100, "allow")], PASS),
        # A deny for only part of the internet settles nothing: the allow still reaches port 22.
        ([_entry(50, "deny", "6", (22, 22), cidr="203.0.113.0/24"), _entry(100, "allow", "6", (22, 22))], FAIL),
        # An allow for a narrower source does not open the port to everyone.
        ([_entry(100, "allow", "6", (22, 22), cidr="10.0.0.0/8")], PASS),
        # IPv6 is its own family: ::/0 to 3389.
        ([_entry(100, "allow", "6", (3000, 4000), cidr6=WORLD6)], FAIL),
        # Port range covering everything, even behind a deny for 22 and 3389, opens all ports.
        ([_entry(10, "deny", "6", (22, 22)), _entry(20, "deny", "6", (3389, 3389)), _entry(100, "allow", "6", (0, 65535))], FAIL),
        # The usual return-traffic range 1024-65535 also lets the internet reach RDP.
        ([_entry(100, "allow", "6", (1024, 65535))], FAIL),
        # ICMP never reaches a port; egress rules are not ingress.
        ([_entry(100, "allow", "1"), _entry(100, "allow", egress=True)], PASS),
    ],
)  # fmt: skip
def test_nacl_no_admin_ports_world_edge(run_check, entries, status):
    acl = _acl("acl-e", *entries)
    [result] = run_check(
        "aws_ec2_nacl_no_admin_ports_world", inventory(network_acls={REGION: [acl]})
    )
    assert result.status == status


def test_nacl_edge_tcp_rule_without_port_range(run_check):
    acl = _acl("acl-tcp", _entry(100, "allow", "6"))
    [result] = run_check(
        "aws_ec2_nacl_no_admin_ports_world", inventory(network_acls={REGION: [acl]})
    )
    assert result.message == (
        "Network ACL acl-tcp allows 0.0.0.0/0 to port 22 (rule 100: tcp on every port) and 1 more."
    )


def test_nacl_edge_failed_region_yields_nothing(run_check):
    inv = inventory(network_acls={}, errors=(error("network_acls", REGION),))
    assert run_check("aws_ec2_nacl_no_admin_ports_world", inv) == []


# ---- aws_ec2_sg_web_ports_world ------------------------------------------------------------


def _public(instance_id, groups, ip="198.51.100.7", **overrides):
    fields = {
        "PublicIpAddress": ip,
        "SecurityGroups": [{"GroupId": g, "GroupName": g} for g in groups],
        "SubnetId": "subnet-1",
        "VpcId": "vpc-1",
        **overrides,
    }
    return instance(instance_id, **fields)


def _private(instance_id, groups):
    return instance(
        instance_id,
        SecurityGroups=[{"GroupId": g, "GroupName": g} for g in groups],
        SubnetId="subnet-2",
        VpcId="vpc-1",
    )


def test_sg_web_ports_world(run_check):
    groups = [
        security_group("sg-web", [perm("tcp", 443, cidr=WORLD)]),
        security_group("sg-alb", [perm("tcp", 80, cidr=WORLD)]),
        security_group("sg-app", [perm("tcp", 443, cidr="10.0.0.0/8")]),
    ]
    instances = [
        _public("i-web", ["sg-web"]),
        _private("i-behind-alb", ["sg-alb"]),
        _public("i-stopped", ["sg-alb"], state="stopped"),
    ]
    inv = inventory(security_groups={REGION: groups}, instances={REGION: instances})
    results = run_check("aws_ec2_sg_web_ports_world", inv)
    assert _ids(results) == [
        (WARNING, sg_arn("sg-web")),
        (PASS, sg_arn("sg-alb")),
        (PASS, sg_arn("sg-app")),
    ]
    assert results[0].message == (
        "Security group sg-web opens port 443 to 0.0.0.0/0 and exposes instance(s) i-web "
        "(198.51.100.7) directly."
    )
    assert results[1].message == (
        "Security group sg-alb opens port 80 to 0.0.0.0/0 but exposes no instance with a public IP."
    )
    assert results[2].message == "Security group sg-app opens no web port to the internet."


def test_sg_web_ports_world_edge_allow_list_and_unknown_instances(run_check):
    groups = [security_group("sg-web", [perm("-1", cidr6=WORLD6)])]
    instances = [
        _public("i-site", [], NetworkInterfaces=[{"Groups": [{"GroupId": "sg-web"}]}])
    ]  # attached through its network interface
    inv = inventory(security_groups={REGION: groups}, instances={REGION: instances})
    [allowed] = run_check("aws_ec2_sg_web_ports_world", inv, allowed_public_instances=("i-site",))
    assert allowed.status == PASS
    assert allowed.message.endswith("exposes no instance with a public IP outside the allow-list.")
    assert allowed.data["allowListedInstances"] == ["i-site"]
    unknown = inventory(
        security_groups={REGION: groups}, instances={}, errors=(error("instances", REGION),)
    )
    [result] = run_check("aws_ec2_sg_web_ports_world", unknown)
    assert result.status == ERROR
    assert result.message == (
        f"Could not tell which instances security group sg-web exposes: the instances of "
        f"{REGION} are unavailable."
    )


# ---- aws_ec2_instance_no_public_admin_port -------------------------------------------------


def test_instance_no_public_admin_port(run_check):
    groups = [
        security_group("sg-ssh", [perm("tcp", 22, cidr=WORLD)]),
        security_group("sg-web", [perm("tcp", 443, cidr=WORLD)]),
    ]
    instances = [
        _public("i-exposed", ["sg-ssh", "sg-web"]),
        _public("i-web", ["sg-web"]),
        _private("i-private", ["sg-ssh"]),
        _public("i-stopped", ["sg-ssh"], state="stopped"),
    ]
    inv = inventory(security_groups={REGION: groups}, instances={REGION: instances})
    results = run_check("aws_ec2_instance_no_public_admin_port", inv)
    assert _ids(results) == [
        (FAIL, instance_arn("i-exposed")),
        (PASS, instance_arn("i-web")),
        (PASS, instance_arn("i-private")),
    ]
    assert results[0].message == (
        "Instance i-exposed has public IP 198.51.100.7 and security group sg-ssh opens port 22 "
        "(SSH) to 0.0.0.0/0."
    )
    assert results[0].data["networkAclsCollected"] is False
    assert results[1].message == (
        "Instance i-web has public IP 198.51.100.7 but no administrative port open to the internet."
    )
    assert results[2].message == "Instance i-private has no public IP address."


def test_instance_admin_port_edge_network_acl_blocks_it(run_check):
    groups = [
        security_group("sg-admin", [perm("tcp", 3380, 3390, cidr=WORLD), perm("-1", cidr6=WORLD6)])
    ]
    blocking = _acl("acl-1", _entry(10, "deny", "6", (3389, 3389)), _entry(100, "allow"), subnets=["subnet-1"])  # fmt: skip
    default = _acl("acl-default", _entry(100, "allow"), _entry(101, "allow", cidr6=WORLD6), default=True)  # fmt: skip
    inv = inventory(
        security_groups={REGION: groups},
        instances={REGION: [_public("i-1", ["sg-admin"])]},
        network_acls={REGION: [blocking, default]},
    )
    # The subnet's ACL stops 3389 over IPv4 and has no IPv6 rule at all: nothing gets through.
    [result] = run_check("aws_ec2_instance_no_public_admin_port", inv)
    assert result.status == PASS and result.data["networkAclId"] == "acl-1"
    # In a subnet governed by the VPC's default ACL (no explicit association) it is exposed.
    moved = inventory(
        security_groups={REGION: groups},
        instances={REGION: [_public("i-1", ["sg-admin"], SubnetId="subnet-9")]},
        network_acls={REGION: [blocking, default]},
    )
    [result] = run_check("aws_ec2_instance_no_public_admin_port", moved)
    assert result.status == FAIL and result.data["networkAclId"] == "acl-default"
    assert result.message.endswith("opens port 3389 (RDP) to 0.0.0.0/0 and 6 more.")


def test_instance_admin_port_edge_unknown_group(run_check):
    inv = inventory(security_groups={REGION: []}, instances={REGION: [_public("i-1", ["sg-gone"])]})
    [result] = run_check("aws_ec2_instance_no_public_admin_port", inv)
    assert result.status == ERROR
    assert result.message == (
        "Could not evaluate instance i-1: security group(s) sg-gone are not in the inventory."
    )
    # Groups of the region unreadable: the runner reports it, the check stays silent.
    failed = inventory(
        security_groups={},
        instances={REGION: [_public("i-1", ["sg-gone"])]},
        errors=(error("security_groups", REGION),),
    )
    assert run_check("aws_ec2_instance_no_public_admin_port", failed) == []


# ---- aws_ec2_subnet_no_auto_public_ip ------------------------------------------------------


def _subnet(subnet_id, public, *, default=False, vpc="vpc-1"):
    return {
        "SubnetId": subnet_id,
        "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet_id}",
        "VpcId": vpc,
        "CidrBlock": "10.0.1.0/24",
        "AvailabilityZone": f"{REGION}a",
        "MapPublicIpOnLaunch": public,
        "DefaultForAz": default,
    }


def test_subnet_no_auto_public_ip(run_check):
    subnets = [_subnet("subnet-pub", True, default=True), _subnet("subnet-priv", False)]
    results = run_check("aws_ec2_subnet_no_auto_public_ip", inventory(subnets={REGION: subnets}))
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{{}}".format
    assert _ids(results) == [(WARNING, arn("subnet-pub")), (PASS, arn("subnet-priv"))]
    assert results[0].message == (
        "Default subnet subnet-pub of vpc-1 gives every new instance a public IPv4 address."
    )
    assert results[1].message == (
        "Subnet subnet-priv does not assign public IPv4 addresses automatically."
    )


def test_subnet_no_auto_public_ip_edge_minimal_fields(run_check):
    bare = {"SubnetId": "subnet-x", "MapPublicIpOnLaunch": True}
    [result] = run_check("aws_ec2_subnet_no_auto_public_ip", inventory(subnets={REGION: [bare]}))
    assert result.resource_id == f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-x"
    assert (
        result.message
        == "Subnet subnet-x of its VPC gives every new instance a public IPv4 address."
    )
