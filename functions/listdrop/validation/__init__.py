"""Reads a whole file once, before any job starts: checks every row against the destination's documented
format, writes the normalized file the job will read, and a report of every row it left out.

Memory stays bounded whatever the file size: the file is read in blocks, written out in parts, and the only
structure that grows is the duplicate-address set, which is capped by the destination's record limit.
"""

from listdrop.validation.checker import Checker, ValidationResult, validate
from listdrop.validation.formats import FileSpec, spec_for
from listdrop.validation.policy import RowPolicy

__all__ = ["Checker", "FileSpec", "RowPolicy", "ValidationResult", "spec_for", "validate"]
