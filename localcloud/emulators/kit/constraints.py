"""One walker for every constraint a botocore service model puts on a request.

botocore's own ``ParamValidator`` checks required members, unknown members, types and minimums (lengths, list
sizes, values), and reports them in the wording the SDK users know. It leaves the rest to the service: maximum
lengths, sizes and values, map sizes, patterns and enums (of strings and of map keys). :class:`ModelValidator`
is botocore's walker with those checks added where it visits each shape, so one pass over the parameters finds
every problem, nested structures, lists and maps included, and reports all of them in one wording.

Patterns are searched, not matched whole: Smithy's ``@pattern`` trait "is not implicitly anchored"
(https://smithy.io/2.0/spec/constraint-traits.html#pattern-trait), and most models anchor the patterns that must
match the whole value with ``^...$``. Some botocore models lost the anchors their API reference shows (Mail
Manager's ``AddressListName`` is ``[a-zA-Z0-9_.-]+`` in botocore, ``^[a-zA-Z0-9_.-]+$`` in
https://docs.aws.amazon.com/sesmailmanager/latest/APIReference/API_CreateAddressList.html); such a service asks
for ``whole_value_patterns``.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import Shape
from botocore.validate import ParamValidator, ValidationErrors, range_check


def problems(shape: Shape | None, params: Any, *, whole_value_patterns: bool = False) -> str | None:
    """Every way ``params`` breaks ``shape``'s constraints, one per line; None when it keeps them all."""
    if shape is None:
        return None
    report = ModelValidator(whole_value_patterns=whole_value_patterns).validate(params, shape)
    return str(report.generate_report()) if report.has_errors() else None


class _Errors(ValidationErrors):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's report, plus the wording of the checks it does not make."""

    def _format_error(self, error: tuple[str, str, dict[str, Any]]) -> str:
        error_type, name, details = error
        name = self._get_name(name)
        if error_type == "too long":
            return f"Invalid length for parameter {name}, value: {details['param']}, valid max length: {details['max']}"
        if error_type == "too large":
            return f"Invalid value for parameter {name}, value: {details['param']}, valid max value: {details['max']}"
        if error_type == "not in enum":
            return f"Invalid value for parameter {name}: {details['shown']}; valid values: {', '.join(details['enum'])}"
        if error_type == "pattern mismatch":
            return f"Invalid value for parameter {name}: {details['shown']} does not match {details['pattern']}"
        return str(super()._format_error(error))


class ModelValidator(ParamValidator):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's ``ParamValidator`` that also checks maximums, patterns and enums."""

    # A list of scalars is checked item by item only when its member shape has one of these (see botocore).
    VALIDATED_METADATA_ATTRS = ParamValidator.VALIDATED_METADATA_ATTRS | {"max", "pattern", "enum"}

    def __init__(self, *, whole_value_patterns: bool = False) -> None:
        self._match: Any = re.fullmatch if whole_value_patterns else re.search

    def validate(self, params: Any, shape: Shape) -> ValidationErrors:
        errors = _Errors()
        self._validate(params, shape, errors, name="")
        return errors

    def _validate_string(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_string(param, shape, errors, name)
        if not isinstance(param, str):
            return
        _check_max(len(param), shape, errors, name, "too long")
        shown = "(sensitive)" if shape.metadata.get("sensitive") else repr(param)
        enum = shape.metadata.get("enum")
        if enum and param not in enum:
            errors.report(name, "not in enum", shown=shown, enum=enum)
        pattern = shape.metadata.get("pattern")
        if pattern and not self._match(pattern, param):
            errors.report(name, "pattern mismatch", shown=shown, pattern=pattern)

    def _validate_list(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_list(param, shape, errors, name)
        if isinstance(param, (list, tuple)):
            _check_max(len(param), shape, errors, name, "too long")

    def _validate_map(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_map(param, shape, errors, name)
        if isinstance(param, dict):  # botocore checks no size of a map, not even its minimum
            range_check(name, len(param), shape, "invalid length", errors)
            _check_max(len(param), shape, errors, name, "too long")

    def _validate_integer(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_integer(param, shape, errors, name)
        if isinstance(param, int) and not isinstance(param, bool):
            _check_max(param, shape, errors, name, "too large")

    _validate_long = _validate_integer

    def _validate_double(self, param: Any, shape: Shape, errors: ValidationErrors, name: str) -> None:
        super()._validate_double(param, shape, errors, name)
        if isinstance(param, (int, float)) and not isinstance(param, bool):
            _check_max(param, shape, errors, name, "too large")

    _validate_float = _validate_double


def _check_max(value: float, shape: Shape, errors: ValidationErrors, name: str, error_type: str) -> None:
    maximum = shape.metadata.get("max")
    if maximum is not None and value > maximum:
        errors.report(name, error_type, param=value, max=maximum)
