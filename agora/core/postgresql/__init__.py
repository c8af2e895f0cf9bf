"""Django's PostgreSQL backend, with timestamps read in C (`base.py`)."""
