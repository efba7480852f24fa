"""`listdrop smoke`: prove that a deployment works, with its own throwaway resources, then remove them.

    listdrop smoke [--stack Listdrop] [--read-only] [--timeout 900] [--skip PROVIDER] [--endpoint-url URL]

1. read-only checks of what the stack's outputs name (deployment.py);
2. its own queue subscribed to the topics, its own contact list, address list, Pinpoint application (resources.py);
3. one small file per enabled provider and one bad file, each outcome awaited and its data looked up (drops.py);
4. the dead-letter alarm set to ALARM and back to OK, each notification awaited on the operations topic;
5. everything it created removed, whatever happened, then a pass/fail table (report.py, runner.py).
"""

from listdrop.smoke.runner import DEFAULT_TIMEOUT_SECONDS, run

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "run"]
