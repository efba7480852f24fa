"""The `listdrop` command, a package of its own: it is not shipped in the Lambda functions' asset.

app.py is the entry point (`main`, also `python -m listdrop.cli`); one module (or package) per command builds its
own subparser next to its code: validate.py, redrive.py, jobs/ (list, show, cancel), smoke/. connection.py and
stack.py are how every command reaches AWS and finds a deployed stack's resources.
"""

from listdrop.cli.app import main

__all__ = ["main"]
