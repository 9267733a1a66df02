"""Synthetic demo town (汇龙镇): deterministic generator, COPY loader and the `demo` CLI command.

geodata/ holds the base geography; `generator.generate(scale, seed)` builds every row in
Python; `loader.load(conn, data)` writes them in one transaction; `cli.demo_command` is
`flask --app webgis demo`.
"""
