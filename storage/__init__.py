"""SQLite storage through sqlite-utils: connections, migrations, repository functions.

All of journey's SQL lives in this package.
"""

from journey.storage.connection import connect, data_version, open_database, read, write
from journey.storage.errors import JourneyError

__all__ = ["JourneyError", "connect", "data_version", "open_database", "read", "write"]
