"""The command line (`python build.py`, `cckg`): `main` parses and runs build, check and namespace and hands the
other commands to their modules here (add_source, drafts, export, push, query, serve, view). Each command module
defines `register(subparsers)` and `run(args) -> int` (0 ok, 1 invalid data or failed check, 2 usage or I/O
error). The top layer: it may import every stage and viz/."""
