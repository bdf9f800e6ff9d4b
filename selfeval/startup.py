"""Start-up cost of the processes selfeval runs (the command line, batch workers).

nbformat imports jsonschema, and jsonschema, at import, registers the optional checker of the
JSON Schema `iri` format from the `rfc3987_syntax` package when it is installed (the Jupyter stack
installs it): a Lark grammar built in 1.3 s on our 2-core machine (`python -X importtime`),
paid by every process that reads or writes a notebook. Nothing selfeval validates uses that
format, so the selfeval processes mark the package absent before jsonschema is imported, and
jsonschema skips that one checker (it already does so when the package is not installed).
Only processes that selfeval starts do this, and the Dask workers its batches render on (through
its worker plugin); importing selfeval as a library changes nothing.
"""

from __future__ import annotations

import sys


def skip_unused_imports() -> None:
    """Keep jsonschema from loading the `iri` format checker in this process (see above)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


__all__ = ["skip_unused_imports"]
