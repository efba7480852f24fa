"""The local cloud's IAM evaluator against AWS's documented evaluation rules (localcloud/iam/policy.py)."""

import pytest

from localcloud.iam.policy import Principal, Request, UnsupportedPolicy, authorize, conditions_hold, wildcard_match

ACCOUNT = "123456789012"
ROLE = Principal(f"arn:aws:iam::{ACCOUNT}:role/starter")
OTHER_ACCOUNT_ROLE = Principal("arn:aws:iam::999999999999:role/intruder")
SES = Principal("ses.amazonaws.com")
OBJECT = "arn:aws:s3:::uploads/staging/ses-import/abc.csv"
BUCKET_READ_FOR_SES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::uploads/staging/ses-import/*",
            "Condition": {"StringEquals": {"aws:Referer": ACCOUNT}},
        }
    ],
}


def allow(action, resource, **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def deny(action, resource, **extra):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource, **extra}]}


def request(principal=ROLE, action="s3:GetObject", resource=OBJECT, **context):
    return Request(principal, action, resource, context)


def test_nothing_allows_means_denied_with_awss_reason():
    decision = authorize(request(), [], None, resource_account=ACCOUNT)
    assert not decision
    assert decision.reason == "because no identity-based policy allows the s3:GetObject action"


def test_an_identity_policy_allows_within_the_account():
    assert authorize(request(), [allow("s3:GetObject", "arn:aws:s3:::uploads/*")], None, resource_account=ACCOUNT)


def test_actions_ignore_case_and_resources_do_not():
    assert authorize(request(), [allow("S3:getobject", "arn:aws:s3:::uploads/*")], None, resource_account=ACCOUNT)
    assert not authorize(request(), [allow("s3:GetObject", "arn:aws:s3:::UPLOADS/*")], None, resource_account=ACCOUNT)


def test_an_explicit_deny_wins_over_any_allow():
    policies = [allow("s3:*", "*"), deny("s3:GetObject", "arn:aws:s3:::uploads/staging/*")]
    decision = authorize(request(), policies, None, resource_account=ACCOUNT)
    assert not decision
    assert decision.reason == "with an explicit deny in an identity-based policy"


def test_a_deny_in_the_resource_policy_applies_to_every_principal_it_names():
    bucket = deny("s3:*", "arn:aws:s3:::uploads/*", Principal="*")
    assert not authorize(request(), [allow("s3:GetObject", "*")], bucket, resource_account=ACCOUNT)


def test_a_service_principal_needs_the_resource_policy():
    ses_request = request(principal=SES, **{"aws:Referer": ACCOUNT})
    assert authorize(ses_request, [], BUCKET_READ_FOR_SES, resource_account=ACCOUNT)
    assert not authorize(ses_request, [], None, resource_account=ACCOUNT)


def test_a_condition_key_absent_from_the_request_fails_the_condition():
    """The bug of defect 4: a policy conditioned on a key SES does not send never matches."""
    bucket = {
        **BUCKET_READ_FOR_SES,
        "Statement": [
            {**BUCKET_READ_FOR_SES["Statement"][0], "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
        ],
    }
    assert not authorize(request(principal=SES, **{"aws:Referer": ACCOUNT}), [], bucket, resource_account=ACCOUNT)


def test_negated_operators_and_if_exists_hold_when_the_key_is_absent():
    req = request()
    assert conditions_hold({"StringNotEquals": {"aws:SourceAccount": "1"}}, req)
    assert conditions_hold({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, req)
    assert not conditions_hold({"StringEquals": {"aws:SourceAccount": "1"}}, req)
    assert conditions_hold({"Null": {"aws:SourceAccount": "true"}}, req)
    assert not conditions_hold({"Null": {"aws:SourceAccount": "false"}}, req)


def test_values_are_ored_and_keys_are_anded():
    req = request(**{"aws:SourceAccount": ACCOUNT, "aws:SourceArn": "arn:aws:events:us-east-1:1:rule/x"})
    assert conditions_hold({"StringEquals": {"aws:SourceAccount": ["1", ACCOUNT]}}, req)
    assert not conditions_hold(
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/y"}},
        req,
    )
    assert conditions_hold(
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/*"}},
        req,
    )


def test_condition_keys_ignore_case():
    assert conditions_hold({"StringEquals": {"AWS:SOURCEACCOUNT": "1"}}, request(**{"aws:SourceAccount": "1"}))


def test_bool_conditions_take_json_booleans_and_strings():
    tls = request(**{"aws:SecureTransport": "true"})
    assert not conditions_hold({"Bool": {"aws:SecureTransport": "false"}}, tls)
    assert conditions_hold({"Bool": {"aws:SecureTransport": True}}, tls)


def test_arn_like_matches_part_by_part():
    req = request(**{"aws:SourceArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc"})
    assert conditions_hold({"ArnLike": {"aws:SourceArn": "arn:aws:mobiletargeting:*:123456789012:apps/*"}}, req)
    assert not conditions_hold({"ArnLike": {"aws:SourceArn": "arn:aws:mobiletargeting:*:999999999999:apps/*"}}, req)


def test_for_any_and_for_all_values():
    req = request(**{"aws:TagKeys": ["a", "b"]})
    assert conditions_hold({"ForAnyValue:StringEquals": {"aws:TagKeys": ["b"]}}, req)
    assert not conditions_hold({"ForAllValues:StringEquals": {"aws:TagKeys": ["b"]}}, req)
    assert conditions_hold({"ForAllValues:StringEquals": {"aws:RequestTag": ["x"]}}, req)  # absent: vacuously true


def test_numeric_conditions():
    req = request(**{"s3:TlsVersion": "1.3"})
    assert not conditions_hold({"NumericLessThan": {"s3:TlsVersion": "1.2"}}, req)
    assert conditions_hold({"NumericGreaterThanEquals": {"s3:TlsVersion": 1.2}}, req)


def test_wildcards():
    assert wildcard_match("arn:aws:s3:::b/imports/*", "arn:aws:s3:::b/imports/x/y.csv")
    assert wildcard_match("s3:Get?bject", "s3:GetObject")
    assert not wildcard_match("s3:Get?bject", "s3:GetXXObject")
    assert not wildcard_match("arn:aws:s3:::b/imports/*", "arn:aws:s3:::b/staging/x")


def test_kms_key_policy_must_allow_even_when_the_identity_policy_does():
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    req = request(action="kms:Decrypt", resource=key)
    identity = [allow("kms:Decrypt", key)]
    assert not authorize(req, identity, {"Statement": []}, resource_account=ACCOUNT, key_policy=True)
    delegating = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
    assert authorize(req, identity, delegating, resource_account=ACCOUNT, key_policy=True)
    assert not authorize(req, [], delegating, resource_account=ACCOUNT, key_policy=True)


def test_a_resource_policy_naming_the_account_does_not_by_itself_allow_a_role():
    bucket = allow("s3:GetObject", OBJECT, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert not authorize(request(), [], bucket, resource_account=ACCOUNT)
    assert authorize(request(), [allow("s3:GetObject", OBJECT)], bucket, resource_account=ACCOUNT)


def test_a_role_of_another_account_needs_the_resource_policy():
    identity = [allow("s3:GetObject", "*")]
    assert not authorize(request(principal=OTHER_ACCOUNT_ROLE), identity, None, resource_account=ACCOUNT)


def test_not_action_and_not_resource():
    policy = {"Statement": [{"Effect": "Allow", "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::x/*"}]}
    assert authorize(request(), [policy], None, resource_account=ACCOUNT)
    assert not authorize(request(action="s3:DeleteObject"), [policy], None, resource_account=ACCOUNT)


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"aws:username": "${aws:username}"}},
    ],
)
def test_what_is_not_modelled_fails_loudly(condition):
    with pytest.raises(UnsupportedPolicy):
        conditions_hold(condition, request(**{"aws:SourceIp": "10.1.1.1", "aws:username": "x"}))


def test_across_accounts_both_the_identity_and_the_resource_policy_must_allow():
    bucket = allow("s3:GetObject", OBJECT, Principal={"AWS": OTHER_ACCOUNT_ROLE.arn})
    assert not authorize(request(principal=OTHER_ACCOUNT_ROLE), [], bucket, resource_account=ACCOUNT)
    identity = [allow("s3:GetObject", "*")]
    assert authorize(request(principal=OTHER_ACCOUNT_ROLE), identity, bucket, resource_account=ACCOUNT)


def test_for_any_value_with_the_key_absent_is_false_even_when_negated():
    assert not conditions_hold({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["x"]}}, request())
