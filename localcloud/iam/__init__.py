"""Permission enforcement for the local cloud: AWS's policy evaluation (`policy`), the IAM action and resource of
every operation listdrop calls (`operations`), the stack's policies (`store`) and the hooks that apply them to every
call a listdrop function, the workflow or an emulated service makes (`enforcement`)."""
