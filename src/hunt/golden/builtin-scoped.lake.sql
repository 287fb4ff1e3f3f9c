-- mfaguard hunt: the events the loaded rules can fire on and those triage reads, once per eventID;
-- every other event in scope falls into the group keyed NULL, which counts them and keeps the newest time
SELECT
  mfaguard_key,
  mfaguard_copies,
  to_iso8601(mfaguard_last_event_time) AS mfaguard_last_event_time,
  eventjson
FROM (
  SELECT
    CASE WHEN (
      eventName IN ('AddUserToGroup', 'AttachGroupPolicy', 'AttachUserPolicy', 'CheckMfa', 'ConsoleLogin', 'CreateAccessKey', 'CreateLoginProfile', 'CreatePolicyVersion', 'CreateUser', 'CreateVirtualMFADevice', 'DeactivateMFADevice', 'DeleteGroupPolicy', 'DeleteLoginProfile', 'DeleteUser', 'DeleteUserPermissionsBoundary', 'DeleteUserPolicy', 'DeleteVirtualMFADevice', 'DetachGroupPolicy', 'DetachUserPolicy', 'EnableMFADevice', 'GetAccessKeyLastUsed', 'GetAccountAuthorizationDetails', 'GetAccountPasswordPolicy', 'GetAccountSummary', 'GetCallerIdentity', 'GetLoginProfile', 'GetSessionToken', 'GetUser', 'ListAccessKeys', 'ListAttachedUserPolicies', 'ListGroupsForUser', 'ListMFADevices', 'ListSSHPublicKeys', 'ListServiceSpecificCredentials', 'ListSigningCertificates', 'ListUserPolicies', 'ListUserTags', 'ListUsers', 'ListVirtualMFADevices', 'PutGroupPolicy', 'PutUserPermissionsBoundary', 'PutUserPolicy', 'RemoveUserFromGroup', 'ResyncMFADevice', 'SetDefaultPolicyVersion', 'UpdateAccessKey', 'UpdateLoginProfile')  -- correlation and baselines
      OR (eventName IN ('ConsoleLogin') AND eventSource IN ('signin.amazonaws.com'))  -- mfaguard-console-sign-in-without-mfa, mfaguard-root-console-sign-in
      OR (eventName IN ('CreateVirtualMFADevice', 'EnableMFADevice') AND eventSource IN ('iam.amazonaws.com'))  -- mfaguard-iam-mfa-registered-with-temporary-credentials
      OR (eventName IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice') AND eventSource IN ('iam.amazonaws.com'))  -- mfaguard-root-mfa-removed
      OR (eventName IN ('DeactivateMFADevice') AND eventSource IN ('iam.amazonaws.com'))  -- mfaguard-iam-mfa-deactivation-refused, mfaguard-iam-mfa-device-deactivated
      OR (eventName IN ('DeleteVirtualMFADevice') AND eventSource IN ('iam.amazonaws.com'))  -- mfaguard-iam-virtual-mfa-device-deleted
    ) THEN eventID END AS mfaguard_key,
    count(*) AS mfaguard_copies,
    max(eventTime) AS mfaguard_last_event_time,
    arbitrary(eventJson) AS eventjson
  FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE
  WHERE
    eventTime >= '2024-03-05 00:00:00'
    AND eventTime < '2024-03-07 00:00:00'
    AND recipientAccountId IN ('997747511021')
    AND awsRegion IN ('us-east-1')
  GROUP BY 1
) AS grouped
