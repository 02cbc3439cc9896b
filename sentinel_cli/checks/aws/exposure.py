"""Network exposure beyond single security groups: network ACLs, what open groups expose, instances
reachable on administrative ports, and subnets that hand out public addresses.

Network ACLs are stateless and ordered: AWS applies the lowest-numbered rule that matches and
ignores the rest. For "can the internet reach port P" only rules whose source is the whole
internet (``0.0.0.0/0``, or ``::/0`` for IPv6, each family on its own) decide: a narrower deny
blocks some addresses, a narrower allow opens to some, neither settles the question for everyone.
So the verdict for a port is the first whole-internet rule covering it; when none does, the
implicit final deny (``*``) applies.

An instance is exposed on a port when it has a public IP, one of its security groups lets the
internet in on that port, and its subnet's network ACL does too (when the ACLs were collected; a
region without ACL data is judged on the security groups alone, as AWS's default ACL allows all).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sentinel_cli.checks.aws._util import arn, region_collected, regional
from sentinel_cli.checks.aws.compute import instance_arn, instance_state, public_ips
from sentinel_cli.checks.aws.network import (
    WORLD_V4,
    WORLD_V6,
    exposes_port,
    rule_text,
    sg_arn,
    world_sources,
)
from sentinel_cli.checks.base import (
    ERROR,
    FAIL,
    PASS,
    WARNING,
    CheckResult,
    CheckSettings,
    check,
)
from sentinel_cli.inventory.aws import AwsInventory

NACL_ADMIN_PORTS: dict[int, str] = {22: "SSH", 3389: "RDP"}
INSTANCE_ADMIN_PORTS: dict[int, str] = {
    22: "SSH",
    23: "Telnet",
    3389: "RDP",
    5900: "VNC",
    5985: "WinRM",
    5986: "WinRM over HTTPS",
}
WEB_PORTS: dict[int, str] = {80: "HTTP", 443: "HTTPS", 8080: "HTTP", 8443: "HTTPS"}
_NACL_PORT_PROTOCOLS = frozenset({"6", "17", "tcp", "udp"})


# ---------------------------------------------------------------- network ACL evaluation
def _nacl_world(entry: Mapping[str, Any]) -> str | None:
    """``0.0.0.0/0`` or ``::/0`` when the entry's source is the whole internet, else None."""
    if entry.get("CidrBlock") == WORLD_V4:
        return WORLD_V4
    if entry.get("Ipv6CidrBlock") == WORLD_V6:
        return WORLD_V6
    return None


def _nacl_all_ports(entry: Mapping[str, Any]) -> bool:
    proto = str(entry.get("Protocol"))
    if proto == "-1":
        return True
    ports = entry.get("PortRange") or {}
    return (
        proto in _NACL_PORT_PROTOCOLS and ports.get("From") in (0, 1) and ports.get("To") == 65535
    )


def _nacl_covers(entry: Mapping[str, Any], port: int) -> bool:
    proto = str(entry.get("Protocol"))
    if proto == "-1":
        return True
    if proto not in _NACL_PORT_PROTOCOLS:
        return False
    ports = entry.get("PortRange") or {}
    low, high = ports.get("From"), ports.get("To")
    if low is None or high is None:
        return True
    return int(low) <= port <= int(high)


def _ingress(acl: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = [e for e in acl.get("Entries") or [] if not e.get("Egress")]
    return sorted(entries, key=lambda e: int(e.get("RuleNumber") or 0))


def _nacl_rule_text(entry: Mapping[str, Any]) -> str:
    proto = str(entry.get("Protocol"))
    number = entry.get("RuleNumber")
    if proto == "-1":
        return f"rule {number}: all traffic"
    ports = entry.get("PortRange") or {}
    name = {"6": "tcp", "17": "udp"}.get(proto, f"protocol {proto}")
    if ports.get("From") is None or ports.get("To") is None:
        return f"rule {number}: {name} on every port"
    return f"rule {number}: {name} {ports['From']}-{ports['To']}"


def nacl_decides(acl: Mapping[str, Any], port: int, world: str) -> Mapping[str, Any] | None:
    """The rule that decides whether the internet (``world``) reaches ``port``; None: default deny."""
    for entry in _ingress(acl):
        if _nacl_world(entry) == world and _nacl_covers(entry, port):
            return entry
    return None


def nacl_allows(acl: Mapping[str, Any], port: int, world: str) -> bool:
    entry = nacl_decides(acl, port, world)
    return entry is not None and entry.get("RuleAction") == "allow"


def _exposure(
    port: int | str, service: str, world: str, entry: Mapping[str, Any]
) -> dict[str, Any]:
    return {"port": port, "service": service, "source": world, "rule": _nacl_rule_text(entry)}


def _nacl_exposures(acl: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Admin ports, then "all ports", the internet can reach through ``acl``, per address family."""
    found: list[dict[str, Any]] = []
    for world in (WORLD_V4, WORLD_V6):
        for port, label in NACL_ADMIN_PORTS.items():
            entry = nacl_decides(acl, port, world)
            if entry is not None and entry.get("RuleAction") == "allow":
                found.append(_exposure(port, label, world, entry))
        # The first whole-internet rule covering every port: an allow opens them all, a deny
        # shadows every later allow-all.
        every = next(
            (e for e in _ingress(acl) if _nacl_world(e) == world and _nacl_all_ports(e)), None
        )
        if every is not None and every.get("RuleAction") == "allow":
            found.append(_exposure("all", "all ports", world, every))
    return found


@check("aws_ec2_nacl_no_admin_ports_world")
def nacl_no_admin_ports_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """No network ACL lets the internet in on SSH (22), RDP (3389) or every port."""
    for region, acls in regional(inv, "network_acls", partial_ok=True):
        for acl in acls or []:
            acl_id = acl.get("NetworkAclId")
            exposures = _nacl_exposures(acl)
            if exposures:
                first = exposures[0]
                target = "all ports" if first["port"] == "all" else f"port {first['port']}"
                more = f" and {len(exposures) - 1} more" if len(exposures) > 1 else ""
                status = FAIL
                message = (
                    f"Network ACL {acl_id} allows {first['source']} to {target} "
                    f"({first['rule']}){more}."
                )
            else:
                status = PASS
                message = (
                    f"Network ACL {acl_id} lets the internet reach neither ports 22 and 3389 nor "
                    "all ports."
                )
            yield CheckResult(
                "aws_ec2_nacl_no_admin_ports_world",
                status,
                arn(
                    "ec2",
                    region,
                    str(acl.get("OwnerId") or inv.account_id),
                    f"network-acl/{acl_id}",
                ),
                "network-acl",
                message,
                region=region,
                data={
                    "networkAclId": acl_id,
                    "vpcId": acl.get("VpcId"),
                    "isDefault": bool(acl.get("IsDefault")),
                    "subnets": sorted(
                        str(a["SubnetId"])
                        for a in acl.get("Associations") or []
                        if a.get("SubnetId")
                    ),
                    "exposures": exposures,
                },
            )


# ---------------------------------------------------------------- instances and their groups
def _group_ids(instance: Mapping[str, Any]) -> list[str]:
    ids = {str(g["GroupId"]) for g in instance.get("SecurityGroups") or [] if g.get("GroupId")}
    for eni in instance.get("NetworkInterfaces") or []:
        ids |= {str(g["GroupId"]) for g in eni.get("Groups") or [] if g.get("GroupId")}
    return sorted(ids)


def _running_by_group(instances: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_group: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for inst in instances:
        if instance_state(inst) != "running":
            continue
        for gid in _group_ids(inst):
            by_group[gid].append(inst)
    return by_group


def _world_openings(group: Mapping[str, Any], ports: Mapping[int, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for perm in group.get("IpPermissions") or []:
        for source in world_sources(perm):
            for port, label in ports.items():
                if exposes_port(perm, port):
                    found.append(
                        {
                            "groupId": group.get("GroupId"),
                            "port": port,
                            "service": label,
                            "source": source,
                            "rule": rule_text(perm),
                        }
                    )
    return found


@check("aws_ec2_sg_web_ports_world")
def sg_web_ports_world(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """A group open to the internet on a web port (80, 443, 8080, 8443) exposes no instance with a
    public IP directly; it should front a load balancer or CDN instead.

    Open web ports are often intended, so a group exposing instances is a WARNING naming them
    (instances in ``allowed_public_instances`` are listed but do not count); a group with no such
    instance passes with its openings on record.
    """
    allowed = set(settings.allowed_public_instances)
    for region, groups in regional(inv, "security_groups", partial_ok=True):
        instances_known = region_collected(inv, "instances", region)
        by_group = _running_by_group(inv.instances.get(region) or []) if instances_known else {}
        for group in groups or []:
            gid = str(group.get("GroupId"))
            openings = _world_openings(group, WEB_PORTS)
            resource = sg_arn(region, inv.account_id, group)
            exposed: list[str] = []
            exempt: list[str] = []
            for inst in by_group.get(gid, []):
                ips = public_ips(inst)
                if not ips:
                    continue
                iid = str(inst.get("InstanceId"))
                if iid in allowed or instance_arn(inv, region, inst) in allowed:
                    exempt.append(iid)
                else:
                    exposed.append(f"{iid} ({ips[0]})")
            data = {
                "groupId": gid,
                "groupName": group.get("GroupName"),
                "openings": openings,
                "exposedInstances": exposed,
                "allowListedInstances": exempt,
            }
            if not openings:
                status = PASS
                message = f"Security group {gid} opens no web port to the internet."
            elif not instances_known:
                yield CheckResult(
                    "aws_ec2_sg_web_ports_world",
                    ERROR,
                    resource,
                    "security-group",
                    f"Could not tell which instances security group {gid} exposes: the "
                    f"instances of {region} are unavailable.",
                    region=region,
                    data=data,
                )
                continue
            elif exposed:
                first = openings[0]
                status = WARNING
                message = (
                    f"Security group {gid} opens port {first['port']} to {first['source']} and "
                    f"exposes instance(s) {', '.join(exposed)} directly."
                )
            else:
                first = openings[0]
                status = PASS
                message = (
                    f"Security group {gid} opens port {first['port']} to {first['source']} but "
                    "exposes no instance with a public IP"
                    + (" outside the allow-list." if exempt else ".")
                )
            yield CheckResult(
                "aws_ec2_sg_web_ports_world",
                status,
                resource,
                "security-group",
                message,
                region=region,
                data=data,
            )


def _acl_for_subnets(acls: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(subnet id -> its ACL, VPC id -> its default ACL)."""
    by_subnet: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for acl in acls:
        for assoc in acl.get("Associations") or []:
            if assoc.get("SubnetId"):
                by_subnet[str(assoc["SubnetId"])] = acl
        if acl.get("IsDefault"):
            defaults[str(acl.get("VpcId"))] = acl
    return by_subnet, defaults


@check("aws_ec2_instance_no_public_admin_port")
def instance_no_public_admin_port(
    inv: AwsInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    """Running instances with a public IP have no administrative port open to the internet."""
    for region, instances in regional(inv, "instances", partial_ok=True):
        if not region_collected(inv, "security_groups", region):
            continue  # the runner reports the missing groups
        groups = {str(g.get("GroupId")): g for g in inv.security_groups.get(region) or []}
        acls_known = region_collected(inv, "network_acls", region)
        by_subnet, defaults = _acl_for_subnets(inv.network_acls.get(region) or [])
        for inst in instances or []:
            if instance_state(inst) != "running":
                continue
            iid = inst.get("InstanceId")
            resource = instance_arn(inv, region, inst)
            ips = public_ips(inst)
            gids = _group_ids(inst)
            if not ips:
                yield CheckResult(
                    "aws_ec2_instance_no_public_admin_port",
                    PASS,
                    resource,
                    "ec2-instance",
                    f"Instance {iid} has no public IP address.",
                    region=region,
                    data={"instanceId": iid, "publicIps": [], "securityGroups": gids},
                )
                continue
            missing = [gid for gid in gids if gid not in groups]
            acl = by_subnet.get(str(inst.get("SubnetId"))) or defaults.get(str(inst.get("VpcId")))
            openings = [
                o
                for gid in gids
                if gid in groups
                for o in _world_openings(groups[gid], INSTANCE_ADMIN_PORTS)
                if acl is None or nacl_allows(acl, int(o["port"]), str(o["source"]))
            ]
            data = {
                "instanceId": iid,
                "publicIps": ips,
                "securityGroups": gids,
                "networkAclId": (acl or {}).get("NetworkAclId"),
                "networkAclsCollected": acls_known,
                "openings": openings,
            }
            if openings:
                first = openings[0]
                more = f" and {len(openings) - 1} more" if len(openings) > 1 else ""
                status = FAIL
                message = (
                    f"Instance {iid} has public IP {ips[0]} and security group {first['groupId']} "
                    f"opens port {first['port']} ({first['service']}) to {first['source']}{more}."
                )
            elif missing:
                status = ERROR
                message = (
                    f"Could not evaluate instance {iid}: security group(s) {', '.join(missing)} "
                    "are not in the inventory."
                )
            else:
                status = PASS
                message = (
                    f"Instance {iid} has public IP {ips[0]} but no administrative port open to "
                    "the internet."
                )
            yield CheckResult(
                "aws_ec2_instance_no_public_admin_port",
                status,
                resource,
                "ec2-instance",
                message,
                region=region,
                data=data,
            )


# ---------------------------------------------------------------- subnets
@check("aws_ec2_subnet_no_auto_public_ip")
def subnet_no_auto_public_ip(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Subnets do not give every new instance a public IPv4 address (MapPublicIpOnLaunch).

    A WARNING: default subnets do so on purpose, and an instance launched there is public unless
    its launcher thinks to opt out; a public subnet is a choice to make per instance.
    """
    for region, subnets in regional(inv, "subnets", partial_ok=True):
        for subnet in subnets or []:
            sid = subnet.get("SubnetId")
            resource = str(
                subnet.get("SubnetArn")
                or arn("ec2", region, str(subnet.get("OwnerId") or inv.account_id), f"subnet/{sid}")
            )
            kind = "Default subnet" if subnet.get("DefaultForAz") else "Subnet"
            if subnet.get("MapPublicIpOnLaunch"):
                status = WARNING
                message = (
                    f"{kind} {sid} of {subnet.get('VpcId') or 'its VPC'} gives every new "
                    "instance a public IPv4 address."
                )
            else:
                status = PASS
                message = f"{kind} {sid} does not assign public IPv4 addresses automatically."
            yield CheckResult(
                "aws_ec2_subnet_no_auto_public_ip",
                status,
                resource,
                "subnet",
                message,
                region=region,
                data={
                    "subnetId": sid,
                    "vpcId": subnet.get("VpcId"),
                    "cidrBlock": subnet.get("CidrBlock"),
                    "availabilityZone": subnet.get("AvailabilityZone"),
                    "defaultForAz": bool(subnet.get("DefaultForAz")),
                    "MapPublicIpOnLaunch": bool(subnet.get("MapPublicIpOnLaunch")),
                    "AssignIpv6AddressOnCreation": bool(subnet.get("AssignIpv6AddressOnCreation")),
                },
            )
