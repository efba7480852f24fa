"""The `listdrop` command, a package of its own: it is not shipped in the Lambda functions' asset.

app.py is the entry point (`main`, also `python -m listdrop.cli`); one module (or package) per command builds its
own subparser next to its code: validate.py, redrive.py, jobs/ (list, show, cancel), smoke/. connection.py and
stack.py are how every command reaches AWS and finds a deployed stack's resources; output.py (`--output
table|json`) and progress.py (`--progress`, on stderr) are how commands print for people and for scripts.
"""

from listdrop.cli.app import main

__all__ = ["main"]
