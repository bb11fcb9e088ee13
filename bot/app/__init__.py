"""The command layer shared by every front end: callback codec, command table, views."""
