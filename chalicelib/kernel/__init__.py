"""The shared kernel: settings, errors, clock, i18n, observability, bootstrap, security,
tokens, transactions, cursors and the base model. Every feature may use it; it imports
no feature."""
