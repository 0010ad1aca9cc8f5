"""Nimbus Python runtime entry point: `python3 bootstrap.py` inside an execution environment.

Serves one function over fd 3 (docs/runtime-protocol.md) with the behaviour of the official
AWS Python runtime interface client. Standard library only, Python 3.9+.

This file is deliberately tiny: the interpreter compiles the main script on every start
(about 4 ms for the whole runtime), while the sibling modules load from __pycache__.
"""

import os
import sys


def _main():
    here = os.path.dirname(os.path.abspath(__file__))
    # sys.path[0] is this folder (unless started with -I/-P); the runtime modules load from it,
    # then it is dropped so that the function's imports never see the runtime's files.
    if not sys.path or sys.path[0] not in (here, os.path.dirname(os.path.realpath(__file__))):
        sys.path.insert(0, here)
    from _nimbus_lambda import run

    del sys.path[0]
    run()


if __name__ == "__main__":
    _main()
