/**
 * The state a fake AWS account serves: plain data, so a test or a benchmark builds it inline and
 * the fake servers answer from it in the real wire formats.
 */
export interface FakeEstate {
  accountId: string;
  /** ARN GetCallerIdentity returns; a role session in the account when absent. */
  callerArn?: string;
  /** Account-level S3 public access block; absent means none is set (404 from S3 Control). */
  accountPublicAccessBlock?: FakeBlock;
  buckets?: FakeBucket[];
  /** RDS resources by region. */
  rds?: Record<string, FakeRdsRegion>;
  /** Trails visible to the account, including organization trails owned by another account. */
  trails?: FakeTrail[];
  /** Accounts organizations:ListAccounts returns; absent means the account belongs to no organization. */
  organization?: FakeOrganizationAccount[];
  /**
   * Other accounts, reached with sts:AssumeRole on one of their `roles`. Requests signed with the
   * credentials issued there are answered from that account's estate.
   */
  members?: FakeEstate[];
  /** Roles the caller may assume in this account, each with the external id it requires, if any. */
  roles?: Array<{ name: string; externalId?: string }>;
  /**
   * Calls answered with AccessDenied, as `<client>.<Operation>` (e.g. `s3.GetBucketPolicy`),
   * optionally narrowed to one target: `s3.GetBucketPolicy:bucket-name`, `rds.DescribeDBInstances:eu-west-1`.
   */
  deny?: string[];
  /**
   * Throttled answers per `<client>.<Operation>` before the call succeeds; Infinity throttles it
   * forever. Counted over the whole server.
   */
  throttle?: Record<string, number>;
  /** Answers that fail with 500 InternalError, counted like `throttle`. */
  serverErrors?: Record<string, number>;
  /** Opt-in regions not enabled for the account: S3 answers every request signed for them with 400 InvalidToken. */
  disabledRegions?: string[];
}

export interface FakeOrganizationAccount {
  id: string;
  name: string;
  /** ACTIVE when absent. */
  state?: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE" | "CLOSED";
}

export interface FakeBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface FakeBucket {
  name: string;
  region: string;
  createdAt?: string;
  /** Region ListBuckets reports; `null` leaves BucketRegion out so the client must ask GetBucketLocation. */
  listedRegion?: string | null;
  /**
   * S3's response to a request sent to another region. `redirect` (the default) is a 301
   * PermanentRedirect with the x-amz-bucket-region header. `illegal-location-constraint` is a 400
   * without that header, as for buckets in regions launched after March 2019.
   * `authorization-header-malformed` is a 400 whose body names the expected Region.
   */
  wrongRegionAnswer?: "redirect" | "illegal-location-constraint" | "authorization-header-malformed";
  /** GetBucketLocation answers the legacy constraint `EU` for this eu-west-1 bucket. */
  legacyLocation?: boolean;
  /** Listed by ListBuckets, then deleted: every bucket call answers 404 NoSuchBucket. */
  deletedAfterListing?: boolean;
  /** Default encryption; `null` answers ServerSideEncryptionConfigurationNotFoundError. SSE-S3 when absent. */
  encryption?: { algorithm: "AES256" | "aws:kms" | "aws:kms:dsse"; kmsKeyId?: string; bucketKeyEnabled?: boolean } | null;
  publicAccessBlock?: FakeBlock;
  versioning?: "Enabled" | "Suspended";
  mfaDelete?: boolean;
  /** Bucket policy, as an object or as the exact JSON text to return. */
  policy?: unknown;
  logging?: { targetBucket: string; targetPrefix: string };
  objectLock?: { mode?: "GOVERNANCE" | "COMPLIANCE"; days?: number; years?: number };
  tags?: Record<string, string>;
}

export interface FakeRdsRegion {
  instances?: FakeDbInstance[];
  clusters?: FakeDbCluster[];
  parameterGroups?: Record<string, FakeParameter[]>;
  clusterParameterGroups?: Record<string, FakeParameter[]>;
}

export interface FakeDbInstance {
  id: string;
  engine: string;
  engineVersion: string;
  instanceClass?: string;
  status?: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  multiAz: boolean;
  backupRetentionDays: number;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  parameterGroup: string;
  logExports?: string[];
  autoMinorVersionUpgrade?: boolean;
  clusterId?: string;
  /** Source instance of a read replica. */
  replicaOf?: string;
  availabilityZone: string;
  tags?: Record<string, string>;
}

export interface FakeDbCluster {
  id: string;
  engine: string;
  engineVersion: string;
  status?: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  backupRetentionDays: number;
  deletionProtection: boolean;
  parameterGroup: string;
  availabilityZones: string[];
  logExports?: string[];
  /** Only Multi-AZ DB clusters report these two on the cluster; Aurora leaves them out. */
  publiclyAccessible?: boolean;
  autoMinorVersionUpgrade?: boolean;
  tags?: Record<string, string>;
}

export interface FakeParameter {
  name: string;
  /** Left out of the response when undefined, as for an unset engine default. */
  value?: string;
  source?: "engine-default" | "system" | "user";
}

export interface FakeTrail {
  name: string;
  /** Owner of the trail; another account's id makes it an organization trail seen by a member. */
  ownerAccount?: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isOrganizationTrail?: boolean;
  logFileValidation: boolean;
  kmsKeyId?: string;
  s3Bucket: string;
  isLogging: boolean;
  latestDeliveryError?: string;
  latestDeliveryTime?: string;
  eventSelectors?: Array<{
    ReadWriteType: "All" | "ReadOnly" | "WriteOnly";
    IncludeManagementEvents: boolean;
    DataResources?: Array<{ Type: string; Values: string[] }>;
    ExcludeManagementEventSources?: string[];
  }>;
  advancedEventSelectors?: Array<{ Name?: string; FieldSelectors: Array<{ Field: string; Equals?: string[]; NotEquals?: string[] }> }>;
}
