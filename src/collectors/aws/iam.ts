/**
 * The IAM action each API operation the collectors call needs, keyed by `<client>.<operation>`
 * where the client is the SDK package (`s3` is client-s3, `s3control` is client-s3-control).
 * Error messages name the action a denied call lacked, and a test checks that every operation the
 * collectors send is listed here and granted by docs/iam-policy.json. All are read-only and within
 * the AWS managed policy SecurityAudit, except sts:AssumeRole, which a many-account read needs
 * in the account soc2 runs in to reach the others.
 */
export const IAM_ACTIONS = {
  "sts.GetCallerIdentity": "sts:GetCallerIdentity",
  "sts.AssumeRole": "sts:AssumeRole",
  "organizations.ListAccounts": "organizations:ListAccounts",
  "rds.DescribeDBInstances": "rds:DescribeDBInstances",
  "rds.DescribeDBClusters": "rds:DescribeDBClusters",
  "rds.DescribeDBParameters": "rds:DescribeDBParameters",
  "rds.DescribeDBClusterParameters": "rds:DescribeDBClusterParameters",
  "s3.ListBuckets": "s3:ListAllMyBuckets",
  "s3.GetBucketLocation": "s3:GetBucketLocation",
  "s3.GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "s3.GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "s3.GetBucketVersioning": "s3:GetBucketVersioning",
  "s3.GetBucketPolicy": "s3:GetBucketPolicy",
  "s3.GetBucketLogging": "s3:GetBucketLogging",
  "s3.GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
  "s3.GetBucketTagging": "s3:GetBucketTagging",
  "s3control.GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
  "cloudtrail.DescribeTrails": "cloudtrail:DescribeTrails",
  "cloudtrail.GetTrailStatus": "cloudtrail:GetTrailStatus",
  "cloudtrail.GetEventSelectors": "cloudtrail:GetEventSelectors",
} as const;

export type AwsOperation = keyof typeof IAM_ACTIONS;
