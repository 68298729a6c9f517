"""Customer accounts service: domain code behind the Chalice app in ``app.py``."""
