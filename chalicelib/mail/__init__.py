"""Emails: templates, the outbox written in the caller's transaction, the SES sender."""
