"""``python -m mpcarray``: the ``mpcarray`` command (:mod:`mpcarray.cli`)."""

from .cli import main

raise SystemExit(main())
