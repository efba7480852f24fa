"""The embedded local cloud: moto's server in-process, provisioned from the synthesized CDK template.

The Lambda handlers run in-process from the same code, with the environment the template gives them;
the state machine is the template's own definition, executed by moto's Step Functions engine.
"""
