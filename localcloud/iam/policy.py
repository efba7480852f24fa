"""IAM policy evaluation as AWS documents it, for the principals and policies a listdrop deployment has.

Sources (IAM User Guide):
- Policy evaluation logic, same account:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  An explicit deny in any applicable policy wins; otherwise a request is allowed when an identity-based policy
  or a resource-based policy allows it. Service principals have no identity-based policies: only a resource-based
  policy can allow them.
- KMS is the exception: "no AWS principal has any permissions to a KMS key unless that permission is explicitly
  allowed in a key policy" -- directly, or by allowing the account (root), which lets IAM policies apply.
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
- Condition operators, IfExists, Null, ForAnyValue/ForAllValues, and a key absent from the request context:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  "If the key that you specify in a policy condition is not present in the request context, the values do not
  match and the condition is false. If the policy condition requires that the key is not matched, such as
  StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
- Multiple values for one key are ORed; several keys or operators in a Condition block are ANDed:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- Action names are case-insensitive, resources are matched case-sensitively with the wildcards * and ?:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html

What this does not model, on purpose, raises `UnsupportedPolicy` instead of guessing: policy variables (${...}),
IP and date operators, permission boundaries, SCPs and session policies (a listdrop stack has none of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

Document = Mapping[str, Any]
ContextValue = str | list[str]


class UnsupportedPolicy(ValueError):
    """A policy uses something this evaluator does not model: failing loudly beats guessing an answer."""


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM role of this account, or an AWS service acting as its service principal."""

    arn: str  # a role ARN (arn:aws:iam::123456789012:role/name), or a service principal (events.amazonaws.com)

    @property
    def is_service(self) -> bool:
        return not self.arn.startswith("arn:")

    @property
    def account(self) -> str | None:
        return None if self.is_service else self.arn.split(":")[4]

    @property
    def label(self) -> str:
        """How AWS names the caller in an AccessDenied message."""
        if self.is_service:
            return self.arn
        name = self.arn.rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account}:assumed-role/{name}/{name}"


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str  # service:Action
    resource: str  # an ARN, or * for actions without a resource type
    context: Mapping[str, ContextValue] = field(default_factory=dict)  # condition keys, any case

    def context_value(self, key: str) -> list[str] | None:
        for name, value in self.context.items():
            if name.lower() == key.lower():
                return value if isinstance(value, list) else [value]
        return None


class Source(Enum):
    IDENTITY = "identity-based policy"
    RESOURCE = "resource-based policy"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # AWS's wording: "because no identity-based policy allows the s3:GetObject action"

    def __bool__(self) -> bool:
        return self.allowed


def authorize(
    request: Request,
    identity_policies: Iterable[Document] = (),
    resource_policy: Document | None = None,
    *,
    resource_account: str | None = None,
    key_policy: bool = False,
) -> Decision:
    """AWS's answer for one request in one account. `key_policy`: the resource policy is a KMS key policy,
    which must allow the request itself (or delegate to the account, so identity policies count)."""
    identity = [] if request.principal.is_service else list(identity_policies)
    denied = _explicit_deny(request, identity, resource_policy)
    if denied is not None:
        return denied
    direct = any(_applies(s, request, "Allow", True, principal_test=_names_caller) for s in statements(resource_policy))
    identity_allows = any(_applies(s, request, "Allow", False) for d in identity for s in statements(d))
    same_account = resource_account is None or request.principal.account == resource_account
    if not same_account and not request.principal.is_service:
        return _cross_account(request, direct=direct, identity_allows=identity_allows)
    if direct:
        return Decision(True, f"allowed by the {Source.RESOURCE.value}")
    if key_policy:
        return _through_key_policy(request, resource_policy, identity_allows=identity_allows, same_account=same_account)
    if identity_allows and same_account:
        return Decision(True, f"allowed by an {Source.IDENTITY.value}")
    return _nothing_allows(request)


def _explicit_deny(request: Request, identity: list[Document], resource_policy: Document | None) -> Decision | None:
    """An explicit deny in any applicable policy wins over every allow."""
    for source, documents in ((Source.IDENTITY, identity), (Source.RESOURCE, _present(resource_policy))):
        for document in documents:
            if any(_applies(s, request, "Deny", source is Source.RESOURCE) for s in statements(document)):
                article = "an" if source is Source.IDENTITY else "a"
                return Decision(False, f"with an explicit deny in {article} {source.value}")
    return None


def _cross_account(request: Request, *, direct: bool, identity_allows: bool) -> Decision:
    """Across accounts both sides must allow ("Cross-account policy evaluation logic", IAM User Guide)."""
    if direct and identity_allows:
        return Decision(True, "allowed by both the identity-based and the resource-based policy")
    missing = Source.RESOURCE if identity_allows else Source.IDENTITY
    return Decision(False, f"because no {missing.value} allows the {request.action} action (cross-account)")


def _through_key_policy(
    request: Request, key_policy: Document | None, *, identity_allows: bool, same_account: bool
) -> Decision:
    """A key policy that does not name the caller counts identity policies only when it delegates to the
    account (allows the account's root)."""
    delegated = same_account and any(
        _applies(s, request, "Allow", True, principal_test=_names_account) for s in statements(key_policy)
    )
    if delegated and identity_allows:
        return Decision(True, "allowed by an identity-based policy the key policy delegates to")
    if request.principal.is_service or not delegated:
        return Decision(False, "because no resource-based policy (the key policy) allows the action")
    return Decision(False, f"because no {Source.IDENTITY.value} allows the {request.action} action")


def _nothing_allows(request: Request) -> Decision:
    """A service principal can only be allowed by a resource-based policy; a role by either."""
    if request.principal.is_service:
        return Decision(False, "because no resource-based policy allows the action")
    return Decision(False, f"because no {Source.IDENTITY.value} allows the {request.action} action")


# -- documents -------------------------------------------------------------------------------------------------


def statements(document: Document | str | None) -> list[Mapping[str, Any]]:
    """The statements of a policy given as a dict or a JSON string."""
    if document is None:
        return []
    if isinstance(document, str):
        document = json.loads(document)
    assert isinstance(document, Mapping)
    found = document.get("Statement", [])
    return [found] if isinstance(found, Mapping) else list(found)


def _present(document: Document | None) -> list[Document]:
    return [] if document is None else [document]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# -- one statement ---------------------------------------------------------------------------------------------


def _applies(
    statement: Mapping[str, Any],
    request: Request,
    effect: str,
    resource_based: bool,
    principal_test: Callable[[Any, Principal], bool] | None = None,
) -> bool:
    if statement.get("Effect") != effect:
        return False
    if resource_based and not _principal_matches(statement, request.principal, principal_test or _names_anyone):
        return False
    if not _element_matches(statement, "Action", request.action, ignore_case=True):
        return False
    if not _element_matches(statement, "Resource", request.resource, ignore_case=False, default_all=resource_based):
        return False
    return conditions_hold(statement.get("Condition"), request)


def _principal_matches(
    statement: Mapping[str, Any], principal: Principal, test: Callable[[Any, Principal], bool]
) -> bool:
    if "NotPrincipal" in statement:
        return not _names_anyone(statement["NotPrincipal"], principal)
    return test(statement.get("Principal"), principal)


def _names_anyone(element: Any, principal: Principal) -> bool:
    """The Principal element covers this caller, directly or through its account."""
    return _names_caller(element, principal) or _names_account(element, principal)


def _names_caller(element: Any, principal: Principal) -> bool:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        return False
    names = _as_list(element.get("AWS"))
    if principal.is_service:  # {"AWS": "*"} is the same as "*": it covers services too
        return "*" in names or principal.arn in _as_list(element.get("Service"))
    return "*" in names or principal.arn in names or principal.label in names


def _names_account(element: Any, principal: Principal) -> bool:
    if principal.is_service or not isinstance(element, Mapping):
        return False
    account = principal.account
    return any(name in (account, f"arn:aws:iam::{account}:root") for name in _as_list(element.get("AWS")))


def _element_matches(
    statement: Mapping[str, Any], element: str, value: str, *, ignore_case: bool, default_all: bool = False
) -> bool:
    negated = f"Not{element}"
    if negated in statement:
        return not any(wildcard_match(p, value, ignore_case=ignore_case) for p in _as_list(statement[negated]))
    if element not in statement:
        if default_all:  # a resource-based policy may leave Resource out: it then means the resource itself
            return True
        raise UnsupportedPolicy(f"a statement has neither {element} nor {negated}: {dict(statement)}")
    return any(wildcard_match(p, value, ignore_case=ignore_case) for p in _as_list(statement[element]))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * any run of characters (also across / and :), ? exactly one."""
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables are not modelled: {pattern!r}")
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


# -- conditions ------------------------------------------------------------------------------------------------


def _string_equals(actual: str, expected: str) -> bool:
    return actual == expected


def _string_equals_ignore_case(actual: str, expected: str) -> bool:
    return actual.lower() == expected.lower()


def _string_like(actual: str, expected: str) -> bool:
    return wildcard_match(expected, actual)


def _arn_like(actual: str, expected: str) -> bool:
    """ArnLike compares the six colon-separated parts one by one, each with wildcards."""
    actual_parts, expected_parts = actual.split(":", 5), expected.split(":", 5)
    if len(actual_parts) != 6 or len(expected_parts) != 6:
        return False
    return all(wildcard_match(e, a) for a, e in zip(actual_parts, expected_parts, strict=True))


def _bool(actual: str, expected: str) -> bool:
    return actual.lower() == expected.lower()


def _number(test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, expected: str) -> bool:
        try:
            return test(float(actual), float(expected))
        except ValueError:
            return False

    return compare


# operator -> (test of one actual value against one expected value, negated?)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),  # IAM treats ArnEquals like ArnLike
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (_bool, False),
    "NumericEquals": (_number(lambda a, e: a == e), False),
    "NumericNotEquals": (_number(lambda a, e: a == e), True),
    "NumericLessThan": (_number(lambda a, e: a < e), False),
    "NumericLessThanEquals": (_number(lambda a, e: a <= e), False),
    "NumericGreaterThan": (_number(lambda a, e: a > e), False),
    "NumericGreaterThanEquals": (_number(lambda a, e: a >= e), False),
}


def conditions_hold(condition: Any, request: Request) -> bool:
    if not condition:
        return True
    if not isinstance(condition, Mapping):
        raise UnsupportedPolicy(f"a Condition must be an object, got {condition!r}")
    return all(
        _condition_holds(
            operator, key, [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(values)], request
        )
        for operator, block in condition.items()
        for key, values in _block(operator, block)
    )


def _block(operator: str, block: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(block, Mapping):
        raise UnsupportedPolicy(f"condition operator {operator} must map keys to values, got {block!r}")
    yield from block.items()


def _condition_holds(operator: str, key: str, expected: list[str], request: Request) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if any("${" in value for value in expected):
        raise UnsupportedPolicy(f"policy variables are not modelled: {key}: {expected}")
    actual = request.context_value(key)
    if name == "Null":
        absent = actual is None
        return any((value.lower() == "true") == absent for value in expected)
    if name not in _OPERATORS:
        raise UnsupportedPolicy(f"condition operator {operator!r} is not modelled")
    test, negated = _OPERATORS[name]
    if actual is None:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":  # "For no matching key or a null dataset, the condition returns false"
            return False
        return if_exists or negated
    if qualifier == "ForAllValues":
        return all(_matches_one(test, negated, value, expected) for value in actual)
    if qualifier in ("ForAnyValue", ""):
        return any(_matches_one(test, negated, value, expected) for value in actual)
    raise UnsupportedPolicy(f"condition set operator {qualifier!r} is not modelled")


def _matches_one(test: Callable[[str, str], bool], negated: bool, actual: str, expected: list[str]) -> bool:
    hit = any(test(actual, value) for value in expected)
    return not hit if negated else hit
