"""One construct per capability; shared resources come in through constructors."""
