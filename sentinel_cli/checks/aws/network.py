"""Network checks: security groups open to the internet, default security groups, load balancers.

"The internet" is ``0.0.0.0/0`` in ``IpRanges`` or ``::/0`` in ``Ipv6Ranges``; rules reaching
other groups, prefix lists or narrower CIDRs are out of scope. A rule exposes a port when its
protocol is ``-1`` (every protocol and port) or TCP/UDP with the port inside FromPort-ToPort; ICMP
rules carry ICMP types in those fields and never count. Every security group gets one result per
check so an auditor sees the whole population, not only the failures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import arn, joined_setting, regional
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory

WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
_PORT_PROTOCOLS = frozenset({"tcp", "udp", "6", "17"})

# Remote administration and data-store ports beyond SSH/RDP that must never face the internet.
ADMIN_DB_PORTS: dict[int, str] = {
    20: "FTP data",
    21: "FTP",
    23: "Telnet",
    445: "SMB",
    1433: "SQL Server",
    1521: "Oracle",
    2379: "etcd",
    3306: "MySQL",
    5432: "PostgreSQL",
    5601: "Kibana",
    5900: "VNC",
    6379: "Redis",
    9200: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}


def world_sources(perm: Mapping[str, Any]) -> list[str]:
    v4 = [r.get("CidrIp") for r in perm.get("IpRanges") or [] if r.get("CidrIp") == WORLD_V4]
    v6 = [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges") or [] if r.get("CidrIpv6") == WORLD_V6]
    return [str(s) for s in v4 + v6]


def rule_text(perm: Mapping[str, Any]) -> str:
    proto = str(perm.get("IpProtocol"))
    if proto == "-1":
        return "all traffic"
    return f"{proto} {perm.get('FromPort')}-{perm.get('ToPort')}"


def exposes_port(perm: Mapping[str, Any], port: int) -> bool:
    proto = str(perm.get("IpProtocol")).lower()
    if proto == "-1":
        return True
    if proto not in _PORT_PROTOCOLS:
        return False
    low, high = perm.get("FromPort"), perm.get("ToPort")
    if low is None or high is None:
        return True
    return int(low) <= port <= int(high)


def opens_all_ports(perm: Mapping[str, Any]) -> bool:
    proto = str(perm.get("IpProtocol")).lower()
    if proto == "-1":
        return True
    return (
        proto in _PORT_PROTOCOLS and perm.get("FromPort") in (0, 1) and perm.get("ToPort") == 65535
    )


def sg_arn(region: str, account: str, group: Mapping[str, Any]) -> str:
    return arn(
        "ec2",
        region,
        str(group.get("OwnerId") or account),
        f"security-group/{group.get('GroupId')}",
    )


def _world_port_check(
    inv: AwsInventory, check_id: str, ports: Mapping[int, str]
) -> Iterator[CheckResult]:
    """One result per security group: FAIL when ingress opens one of ``ports`` to the world."""
    for region, groups in regional(inv, "security_groups", partial_ok=True):
        for group in groups or []:
            gid = group.get("GroupId")
            findings: list[dict[str, Any]] = []
            for perm in group.get("IpPermissions") or []:
                sources = world_sources(perm)
                if not sources:
                    continue
                for port, label in ports.items():
                    if exposes_port(perm, port):
                        findings.append(
                            {
                                "port": port,
                                "service": label,
                                "sources": sources,
                                "rule": rule_text(perm),
                            }
                        )
            if findings:
                first = findings[0]
                status = FAIL
                message = (
                    f"Security group {gid} allows {first['sources'][0]} to port {first['port']} "
                    f"(rule {first['rule']})"
                    + (f" and {len(findings) - 1} more exposure(s)." if len(findings) > 1 else ".")
                )
            else:
                status = PASS
                message = (
                    f"Security group {gid} opens none of ports "
                    f"{', '.join(map(str, ports))} to the internet."
                )
            yield CheckResult(
                check_id,
                status,
                sg_arn(region, inv.account_id, group),
                "security-group",
                message,
                region=region,
                data={"groupId": gid, "groupName": group.get("GroupName"), "exposures": findings},
            )


@check("aws_ec2_sg_no_ssh_world")
def sg_no_ssh_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    yield from _world_port_check(inv, "aws_ec2_sg_no_ssh_world", {22: "SSH"})


@check("aws_ec2_sg_no_rdp_world")
def sg_no_rdp_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    yield from _world_port_check(inv, "aws_ec2_sg_no_rdp_world", {3389: "RDP"})


@check("aws_ec2_sg_no_admin_db_ports_world")
def sg_no_admin_db_ports_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    yield from _world_port_check(inv, "aws_ec2_sg_no_admin_db_ports_world", ADMIN_DB_PORTS)


@check("aws_ec2_sg_no_all_ports_world")
def sg_no_all_ports_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """FAIL when an ingress rule opens every port to the world.

    "Every port" is protocol -1, or TCP/UDP 0-65535 (1-65535 too: port 0 is not usable).
    """
    for region, groups in regional(inv, "security_groups", partial_ok=True):
        for group in groups or []:
            gid = group.get("GroupId")
            open_rules = [
                {"rule": rule_text(p), "sources": world_sources(p)}
                for p in group.get("IpPermissions") or []
                if world_sources(p) and opens_all_ports(p)
            ]
            if open_rules:
                status = FAIL
                message = (
                    f"Security group {gid} allows {open_rules[0]['sources'][0]} to all ports "
                    f"(rule {open_rules[0]['rule']})."
                )
            else:
                status, message = (
                    PASS,
                    f"Security group {gid} does not open all ports to the internet.",
                )
            yield CheckResult(
                "aws_ec2_sg_no_all_ports_world",
                status,
                sg_arn(region, inv.account_id, group),
                "security-group",
                message,
                region=region,
                data={"groupId": gid, "groupName": group.get("GroupName"), "openRules": open_rules},
            )


@check("aws_ec2_default_sg_closed")
def default_sg_closed(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Each VPC's default security group has no ingress and no egress rule, so nothing uses it."""
    for region, groups in regional(inv, "security_groups", partial_ok=True):
        for group in groups or []:
            if group.get("GroupName") != "default":
                continue
            gid = group.get("GroupId")
            ingress = [rule_text(p) for p in group.get("IpPermissions") or []]
            egress = [rule_text(p) for p in group.get("IpPermissionsEgress") or []]
            if ingress or egress:
                status = FAIL
                message = (
                    f"Default security group {gid} of {group.get('VpcId')} has "
                    f"{len(ingress)} ingress and {len(egress)} egress rule(s)."
                )
            else:
                status, message = (
                    PASS,
                    f"Default security group {gid} of {group.get('VpcId')} has no rules.",
                )
            yield CheckResult(
                "aws_ec2_default_sg_closed",
                status,
                sg_arn(region, inv.account_id, group),
                "security-group",
                message,
                region=region,
                data={
                    "groupId": gid,
                    "vpcId": group.get("VpcId"),
                    "ingress": ingress,
                    "egress": egress,
                },
            )


def _lb_error(
    check_id: str, region: str, lb: Mapping[str, Any], what: str, problem: str
) -> CheckResult:
    name = lb.get("LoadBalancerName")
    return CheckResult(
        check_id,
        ERROR,
        str(lb.get("LoadBalancerArn")),
        "load-balancer",
        f"Could not evaluate load balancer {name}: its {what} are unavailable ({problem}).",
        region=region,
        data={"loadBalancer": name, "error": problem},
    )


@check("aws_elb_access_logs")
def elb_access_logs(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Application load balancers (and network ones with TLS listeners) write access logs to S3.

    Gateway load balancers have no access logs, and a network load balancer only logs TLS
    connections, so those without a TLS listener are out of scope.
    """
    for region, lbs in regional(inv, "load_balancers", partial_ok=True):
        for lb in lbs or []:
            kind = lb.get("Type")
            if kind not in ("application", "network"):
                continue
            if kind == "network":
                listeners, problem = joined_setting(lb, "SentinelListeners")
                if problem or listeners is None:
                    problem = problem or "none recorded"
                    yield _lb_error("aws_elb_access_logs", region, lb, "listeners", problem)
                    continue
                if not any(listener.get("Protocol") == "TLS" for listener in listeners):
                    continue
            name = lb.get("LoadBalancerName")
            resource = str(lb.get("LoadBalancerArn"))
            attrs, problem = joined_setting(lb, "SentinelAttributes")
            if problem or attrs is None:
                problem = problem or "none recorded"
                yield _lb_error("aws_elb_access_logs", region, lb, "attributes", problem)
                continue
            enabled = str(attrs.get("access_logs.s3.enabled", "false")).lower() == "true"
            bucket = attrs.get("access_logs.s3.bucket")
            yield CheckResult(
                "aws_elb_access_logs",
                PASS if enabled else FAIL,
                resource,
                "load-balancer",
                f"Load balancer {name} writes access logs to {bucket}."
                if enabled
                else f"Load balancer {name} has access logging off.",
                region=region,
                data={
                    "type": kind,
                    "access_logs.s3.enabled": enabled,
                    "access_logs.s3.bucket": bucket,
                },
            )


# Predefined ELB policies whose minimum protocol is TLS 1.2 or 1.3 carry "-1-2-"/"-1-3-" after
# their family name (ELBSecurityPolicy-TLS-1-2-2017-01, -FS-1-2-Res-2020-10, -TLS13-1-3-2021-06).
_MODERN_POLICY = re.compile(r"-(?:TLS13|TLS|FS)-1-[23]-")


def _redirects_to_https(listener: Mapping[str, Any]) -> bool:
    actions = listener.get("DefaultActions") or []
    return bool(actions) and all(
        a.get("Type") == "redirect" and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
        for a in actions
    )


@check("aws_elb_https_only")
def elb_https_only(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """ALB listeners are HTTPS with a TLS 1.2+ policy, or HTTP that only redirects to HTTPS."""
    for region, lbs in regional(inv, "load_balancers", partial_ok=True):
        for lb in lbs or []:
            if lb.get("Type") != "application":
                continue
            name = lb.get("LoadBalancerName")
            resource = str(lb.get("LoadBalancerArn"))
            listeners, problem = joined_setting(lb, "SentinelListeners")
            if problem or listeners is None:
                problem = problem or "none recorded"
                yield _lb_error("aws_elb_https_only", region, lb, "listeners", problem)
                continue
            problems = []
            summary = []
            for listener in listeners:
                proto, port, policy = (
                    listener.get("Protocol"),
                    listener.get("Port"),
                    listener.get("SslPolicy"),
                )
                summary.append({"Protocol": proto, "Port": port, "SslPolicy": policy})
                if proto == "HTTPS":
                    if not _MODERN_POLICY.search(str(policy or "")):
                        problems.append(f"HTTPS:{port} uses policy {policy} allowing TLS < 1.2")
                elif not _redirects_to_https(listener):
                    problems.append(f"{proto}:{port} serves traffic without redirecting to HTTPS")
            if problems:
                status, message = FAIL, f"Load balancer {name}: {'; '.join(problems)}."
            else:
                status, message = (
                    PASS,
                    f"Load balancer {name} serves only HTTPS with TLS 1.2 or later.",
                )
            yield CheckResult(
                "aws_elb_https_only",
                status,
                resource,
                "load-balancer",
                message,
                region=region,
                data={"listeners": summary},
            )
