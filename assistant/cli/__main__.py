"""``python -m assistant.cli``, as the tests and benchmarks start it."""

from assistant.cli.main import main

main()
