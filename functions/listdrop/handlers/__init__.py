"""Lambda entry points: parse the event, call one logic object, map the result."""
