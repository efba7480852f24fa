"""The file layouts the record-checker engine fills in: one module per family of destination files."""
