-- mfaguard hunt: the baseline slice, what the callers found did in the look-back before the hunted window
SELECT
  mfaguard_key,
  mfaguard_copies,
  mfaguard_last_event_time,
  mfaguard_location,
  eventversion,
  json_format(CAST(useridentity AS JSON)) AS useridentity,
  eventtime,
  eventsource,
  eventname,
  awsregion,
  sourceipaddress,
  useragent,
  errorcode,
  errormessage,
  requestparameters,
  responseelements,
  additionaleventdata,
  requestid,
  eventid,
  readonly,
  json_format(CAST(resources AS JSON)) AS resources,
  eventtype,
  apiversion,
  recipientaccountid,
  serviceeventdetails,
  sharedeventid,
  vpcendpointid,
  vpcendpointaccountid,
  eventcategory,
  json_format(CAST(addendum AS JSON)) AS addendum,
  sessioncredentialfromconsole,
  edgedevicedetails,
  json_format(CAST(tlsdetails AS JSON)) AS tlsdetails
FROM (
  SELECT
    eventid AS mfaguard_key,
    count(*) AS mfaguard_copies,
    max(eventtime) AS mfaguard_last_event_time,
    min("$path") AS mfaguard_location,
    arbitrary(eventversion) AS eventversion,
    arbitrary(useridentity) AS useridentity,
    arbitrary(eventtime) AS eventtime,
    arbitrary(eventsource) AS eventsource,
    arbitrary(eventname) AS eventname,
    arbitrary(awsregion) AS awsregion,
    arbitrary(sourceipaddress) AS sourceipaddress,
    arbitrary(useragent) AS useragent,
    arbitrary(errorcode) AS errorcode,
    arbitrary(errormessage) AS errormessage,
    arbitrary(requestparameters) AS requestparameters,
    arbitrary(responseelements) AS responseelements,
    arbitrary(additionaleventdata) AS additionaleventdata,
    arbitrary(requestid) AS requestid,
    arbitrary(eventid) AS eventid,
    arbitrary(readonly) AS readonly,
    arbitrary(resources) AS resources,
    arbitrary(eventtype) AS eventtype,
    arbitrary(apiversion) AS apiversion,
    arbitrary(recipientaccountid) AS recipientaccountid,
    arbitrary(serviceeventdetails) AS serviceeventdetails,
    arbitrary(sharedeventid) AS sharedeventid,
    arbitrary(vpcendpointid) AS vpcendpointid,
    arbitrary(vpcendpointaccountid) AS vpcendpointaccountid,
    arbitrary(eventcategory) AS eventcategory,
    arbitrary(addendum) AS addendum,
    arbitrary(sessioncredentialfromconsole) AS sessioncredentialfromconsole,
    arbitrary(edgedevicedetails) AS edgedevicedetails,
    arbitrary(tlsdetails) AS tlsdetails
  FROM "mfaguard"."cloudtrail"
  WHERE
    "timestamp" >= '2024/02/04'
    AND eventtime >= '2024-02-04T00:00:00Z'
    AND "timestamp" <= '2024/03/06'
    AND eventtime < '2024-03-05T00:00:00Z'
    AND (
      eventname IN ('AddUserToGroup', 'AttachGroupPolicy', 'AttachUserPolicy', 'CheckMfa', 'ConsoleLogin', 'CreateAccessKey', 'CreateLoginProfile', 'CreatePolicyVersion', 'CreateUser', 'CreateVirtualMFADevice', 'DeactivateMFADevice', 'DeleteGroupPolicy', 'DeleteLoginProfile', 'DeleteUser', 'DeleteUserPermissionsBoundary', 'DeleteUserPolicy', 'DeleteVirtualMFADevice', 'DetachGroupPolicy', 'DetachUserPolicy', 'EnableMFADevice', 'GetAccessKeyLastUsed', 'GetAccountAuthorizationDetails', 'GetAccountPasswordPolicy', 'GetAccountSummary', 'GetCallerIdentity', 'GetLoginProfile', 'GetSessionToken', 'GetUser', 'ListAccessKeys', 'ListAttachedUserPolicies', 'ListGroupsForUser', 'ListMFADevices', 'ListSSHPublicKeys', 'ListServiceSpecificCredentials', 'ListSigningCertificates', 'ListUserPolicies', 'ListUserTags', 'ListUsers', 'ListVirtualMFADevices', 'PutGroupPolicy', 'PutUserPermissionsBoundary', 'PutUserPolicy', 'RemoveUserFromGroup', 'ResyncMFADevice', 'SetDefaultPolicyVersion', 'UpdateAccessKey', 'UpdateLoginProfile')  -- correlation and baselines
      OR (eventname IN ('ConsoleLogin') AND eventsource IN ('signin.amazonaws.com'))  -- mfaguard-console-sign-in-without-mfa, mfaguard-root-console-sign-in
      OR (eventname IN ('CreateVirtualMFADevice', 'EnableMFADevice') AND eventsource IN ('iam.amazonaws.com'))  -- mfaguard-iam-mfa-registered-with-temporary-credentials
      OR (eventname IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice') AND eventsource IN ('iam.amazonaws.com'))  -- mfaguard-root-mfa-removed
      OR (eventname IN ('DeactivateMFADevice') AND eventsource IN ('iam.amazonaws.com'))  -- mfaguard-iam-mfa-deactivation-refused, mfaguard-iam-mfa-device-deactivated
      OR (eventname IN ('DeleteVirtualMFADevice') AND eventsource IN ('iam.amazonaws.com'))  -- mfaguard-iam-virtual-mfa-device-deleted
    )
    AND (useridentity.arn IN ('arn:aws:iam::111122223333:user/alice') OR useridentity.principalid IN ('AIDAEXAMPLE'))
  GROUP BY 1
) AS grouped
