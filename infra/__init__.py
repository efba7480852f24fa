"""The CDK application: one stack composing one construct per capability."""
