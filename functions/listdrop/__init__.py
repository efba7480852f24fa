"""listdrop: S3-dropped files become AWS import jobs, polled to an outcome event."""

# The one place the version is written: the package metadata reads it (pyproject.toml), `listdrop --version` prints it.
__version__ = "0.1.0"
