"""One module per AWS job API, behind the JobProvider interface; `registry` picks one by name."""
