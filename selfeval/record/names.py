"""The record's file names, apart from the database code, so a batch can reserve them without
loading it."""

#: The record a batch keeps in its output folder, with SQLite's -wal and -shm files beside it.
DEFAULT_NAME = "selfeval.db"
RESERVED = (DEFAULT_NAME, f"{DEFAULT_NAME}-wal", f"{DEFAULT_NAME}-shm")
