"""Commands of `python build.py` beyond build/check/namespace, one module each (listed in graph.cli.COMMAND_MODULES).

Each module defines `register(subparsers)`, which adds its sub-parser and sets `handler=run` with
`parser.set_defaults(handler=run)`, and `run(args) -> int`, which returns an exit code (0 ok, 1 invalid data or
failed check, 2 usage or I/O error) and raises graph.errors.UsageError / InvalidData for the CLI to report.
"""
