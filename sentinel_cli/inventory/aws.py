"""What an AWS collection fetched, as one frozen value that every AWS check reads.

The contract between the collector and the checks is deliberately boring: each field holds the
items of a boto3 response *in boto3's own documented shape* (plain dicts with the API's field names,
datetimes as ISO 8601 strings), so a check can be read next to the AWS API reference and a test can
build an inventory by hand. No boto3 object ever crosses into a check.

Regional data is a mapping ``region -> list``; a region missing from the mapping was not collected
(not enabled, or its fetch failed; the failure is then in ``errors``). Per-resource details that need
one call per resource (S3 bucket settings, KMS rotation) are joined into the resource's dict under a
``Sentinel*`` key, documented per field below, so checks never need a second lookup.

Source names (the keys checks list under ``sources`` in the catalogue, and that ``FetchError.source``
uses) are the field names of this class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sentinel_cli.inventory.fetch import FailureIndex, FetchError
from sentinel_cli.wire import JsonObject

ByRegion = Mapping[str, list[JsonObject]]


@dataclass(frozen=True)
class AwsInventory(FailureIndex):
    account_id: str
    """12-digit account id from STS GetCallerIdentity."""
    regions: tuple[str, ...]
    """Regions that were collected (enabled and requested)."""
    collected_at: str
    """ISO 8601 UTC time the collection started; checks use it (or settings.now) as 'now'."""

    # ---- IAM (global) ----
    credential_report: list[JsonObject] | None = None
    """Rows of the IAM credential report CSV as dicts with the CSV's column names (``user``, ``arn``,
    ``user_creation_time``, ``password_enabled``, ``password_last_used``, ``mfa_active``,
    ``access_key_1_active``, ``access_key_1_last_rotated``, ``access_key_1_last_used_date``, same for
    key 2, ...). Values are the raw CSV strings ("true", "N/A", "no_information", ISO dates). The
    ``<root_account>`` row is included."""
    account_summary: JsonObject | None = None
    """``iam.get_account_summary()['SummaryMap']`` (AccountMFAEnabled, AccountAccessKeysPresent, ...)."""
    virtual_mfa_devices: list[JsonObject] | None = None
    """``iam.list_virtual_mfa_devices()['VirtualMFADevices']`` (SerialNumber, User{Arn}, EnableDate)."""
    password_policy: JsonObject | None = None
    """``iam.get_account_password_policy()['PasswordPolicy']``; ``None`` when collected and absent
    (NoSuchEntity): check ``password_policy_present`` to distinguish from 'not fetched'."""
    password_policy_present: bool = False
    authorization_details: JsonObject | None = None
    """Merged pages of ``iam.get_account_authorization_details()``: keys ``UserDetailList``,
    ``GroupDetailList``, ``RoleDetailList``, ``Policies`` (each policy with ``PolicyVersionList``,
    documents already URL-decoded into dicts)."""
    access_keys: list[JsonObject] | None = None
    """Every access key: ``{UserName, AccessKeyId, Status, CreateDate, LastUsedDate}``; built from
    the credential report where possible (LastUsedDate may be None)."""
    access_analyzers: ByRegion = field(default_factory=dict)
    """``accessanalyzer.list_analyzers()['analyzers']`` per region (name, arn, type, status)."""

    # ---- Logging and monitoring ----
    trails: list[JsonObject] | None = None
    """``cloudtrail.describe_trails(includeShadowTrails=False)['trailList']`` from the home regions,
    each extended with ``SentinelStatus`` (``get_trail_status`` response: IsLogging,
    LatestCloudWatchLogsDeliveryTime, ...) and ``SentinelEventSelectors`` (``get_event_selectors``
    response: EventSelectors and/or AdvancedEventSelectors)."""
    config_recorders: ByRegion = field(default_factory=dict)
    """``config.describe_configuration_recorders()['ConfigurationRecorders']`` per region, each
    extended with ``SentinelStatus`` (its entry of describe_configuration_recorder_status)."""
    guardduty_detectors: ByRegion = field(default_factory=dict)
    """Per region: ``[{DetectorId, Status, ...get_detector fields}]``; empty list = none."""
    guardduty_findings: ByRegion = field(default_factory=dict)
    """Per region: unarchived findings with severity >= 7 (``get_findings`` shape: Id, Type,
    Severity, Title, Resource, UpdatedAt)."""
    securityhub: Mapping[str, JsonObject | None] = field(default_factory=dict)
    """Per region: ``{"Hub": describe_hub() or None when not subscribed, "Standards":
    get_enabled_standards()['StandardsSubscriptions']}``."""
    vpcs: ByRegion = field(default_factory=dict)
    """``ec2.describe_vpcs()['Vpcs']`` per region."""
    flow_logs: ByRegion = field(default_factory=dict)
    """``ec2.describe_flow_logs()['FlowLogs']`` per region (ResourceId, FlowLogStatus, ...)."""
    log_groups: ByRegion = field(default_factory=dict)
    """``logs.describe_log_groups()['logGroups']`` per region (logGroupName, retentionInDays, arn)."""
    metric_filters: ByRegion = field(default_factory=dict)
    """``logs.describe_metric_filters()['metricFilters']`` per region."""
    alarms: ByRegion = field(default_factory=dict)
    """``cloudwatch.describe_alarms()['MetricAlarms']`` per region."""
    sns_subscriptions: ByRegion = field(default_factory=dict)
    """``sns.list_subscriptions()['Subscriptions']`` per region (TopicArn, Protocol, Endpoint)."""

    # ---- Storage ----
    buckets: list[JsonObject] | None = None
    """``s3.list_buckets()['Buckets']`` each extended with per-bucket settings:
    ``SentinelRegion`` (ListBuckets' BucketRegion, else get_bucket_location),
    ``SentinelEncryption`` (the ServerSideEncryptionConfiguration or None), ``SentinelVersioning``
    (get_bucket_versioning response), ``SentinelLogging`` (LoggingEnabled dict or None),
    ``SentinelPolicy`` (policy dict or None), ``SentinelPolicyStatus`` ({IsPublic} or None),
    ``SentinelPublicAccessBlock`` (PublicAccessBlockConfiguration or None), ``SentinelAcl``
    (get_bucket_acl Grants list),
    ``SentinelTags`` (the TagSet, from tag:GetResources per region or else get_bucket_tagging; None
    when the bucket has no tags), ``SentinelObjectLock`` (get_object_lock_configuration's
    ObjectLockConfiguration: ObjectLockEnabled and the optional Rule.DefaultRetention; None when
    Object Lock is not enabled, which without versioning Enabled it cannot be, so it is not asked),
    ``SentinelErrors`` (``{setting: "ErrorCode: message"}`` for per-bucket calls that failed, e.g.
    AccessDenied on one bucket; checks reading that setting report ERROR for that bucket)."""
    account_public_access_block: JsonObject | None = None
    """``s3control.get_public_access_block(AccountId)['PublicAccessBlockConfiguration']``; None when
    collected and absent (NoSuchPublicAccessBlockConfiguration): see ``account_public_access_block_present``."""
    account_public_access_block_present: bool = False
    ebs_default_encryption: Mapping[str, bool] = field(default_factory=dict)
    """Per region: ``ec2.get_ebs_encryption_by_default()['EbsEncryptionByDefault']``."""
    snapshots: ByRegion = field(default_factory=dict)
    """``ec2.describe_snapshots(OwnerIds=['self'])['Snapshots']`` per region, each extended with
    ``SentinelCreateVolumePermissions`` (list from describe_snapshot_attribute)."""
    volumes: ByRegion = field(default_factory=dict)
    """``ec2.describe_volumes()['Volumes']`` per region (VolumeId, Encrypted, KmsKeyId, State,
    Attachments)."""
    dynamodb_tables: ByRegion = field(default_factory=dict)
    """Per region: ``[{TableName, TableArn, SentinelPitr: 'ENABLED'|'DISABLED'}]``."""
    backup_plans: ByRegion = field(default_factory=dict)
    """``backup.list_backup_plans()['BackupPlansList']`` per region."""
    backup_protected_resources: ByRegion = field(default_factory=dict)
    """``backup.list_protected_resources()['Results']`` per region (ResourceArn, ResourceType)."""

    # ---- Compute and network ----
    security_groups: ByRegion = field(default_factory=dict)
    """``ec2.describe_security_groups()['SecurityGroups']`` per region."""
    instances: ByRegion = field(default_factory=dict)
    """Instances (flattened from Reservations) of ``ec2.describe_instances()`` per region."""
    subnets: ByRegion = field(default_factory=dict)
    """``ec2.describe_subnets()['Subnets']`` per region (SubnetId, VpcId, MapPublicIpOnLaunch,
    AssignIpv6AddressOnCreation, DefaultForAz)."""
    network_acls: ByRegion = field(default_factory=dict)
    """``ec2.describe_network_acls()['NetworkAcls']`` per region (NetworkAclId, VpcId, IsDefault,
    Entries with RuleNumber/Protocol/RuleAction/Egress/CidrBlock/Ipv6CidrBlock/PortRange, and
    Associations naming the subnets it governs)."""
    ssm_instances: ByRegion = field(default_factory=dict)
    """``ssm.describe_instance_information()['InstanceInformationList']`` per region."""
    ssm_patch_compliance: ByRegion = field(default_factory=dict)
    """``ssm.list_resource_compliance_summaries(Filters=[ComplianceType=Patch])`` items per region."""
    lambda_functions: ByRegion = field(default_factory=dict)
    """``lambda.list_functions()['Functions']`` per region, each extended with ``SentinelPolicy``
    (resource policy dict, or None when the function has none)."""
    load_balancers: ByRegion = field(default_factory=dict)
    """``elbv2.describe_load_balancers()['LoadBalancers']`` per region, each extended with
    ``SentinelAttributes`` ({Key: Value} from describe_load_balancer_attributes) and
    ``SentinelListeners`` (describe_listeners()['Listeners'])."""
    inspector_status: ByRegion = field(default_factory=dict)
    """Per region: ``inspector2.batch_get_account_status()['accounts']``."""

    # ---- Databases and encryption ----
    db_instances: ByRegion = field(default_factory=dict)
    """``rds.describe_db_instances()['DBInstances']`` per region."""
    db_clusters: ByRegion = field(default_factory=dict)
    """``rds.describe_db_clusters()['DBClusters']`` per region (Aurora, Multi-AZ DB clusters, and
    the DocumentDB/Neptune clusters the same API returns)."""
    kms_keys: ByRegion = field(default_factory=dict)
    """Per region: customer-managed keys: ``describe_key()['KeyMetadata']`` (KeyState, DeletionDate,
    ...) extended with ``SentinelRotationEnabled`` (bool, or None when not applicable e.g.
    asymmetric) and ``SentinelPolicy`` (the ``default`` key policy from get_key_policy, as a dict);
    per-key failures in ``SentinelErrors``."""
    certificates: ByRegion = field(default_factory=dict)
    """Per region: ``acm.describe_certificate()['Certificate']`` for each listed certificate."""
    secrets: ByRegion = field(default_factory=dict)
    """``secretsmanager.list_secrets()['SecretList']`` per region."""

    # ---- AWS Organizations ----
    organization_accounts: list[JsonObject] | None = None
    """Only in an organisation collection, and only on the management account's inventory: every
    ACTIVE account ``organizations.list_accounts()`` returned (Id, Name, Arn, Status,
    JoinedTimestamp; the management account included), each extended with ``SentinelManagement``
    (True for the management account, collected with its own credentials), ``SentinelRoleArn``
    (the member role assumed; None for the management account), ``SentinelEntered`` (whether the
    account could be collected), ``SentinelError`` (``"Code: message"`` when it could not) and
    ``SentinelRegions`` (the regions collected there). ``None`` outside organisation collections."""

    errors: tuple[FetchError, ...] = ()
    api_calls: int = 0

    @property
    def account_resource(self) -> tuple[str, str]:
        return (self.account_id, "aws-account")


@dataclass(frozen=True)
class AwsOrganizationInventory:
    """An organisation collection: one :class:`AwsInventory` per account that could be entered,
    the management account's first (it alone carries ``organization_accounts``, which also names
    the accounts that could not be entered and why). Checks run on each inventory in turn, so a
    check never needs to know whether it sees one account or a member of an organisation."""

    management_account_id: str
    inventories: tuple[AwsInventory, ...]

    @property
    def api_calls(self) -> int:
        return sum(inv.api_calls for inv in self.inventories)

    @property
    def accounts(self) -> list[JsonObject]:
        return list(self.inventories[0].organization_accounts or []) if self.inventories else []
