"""Local development tools (not packaged for Lambda): moto server, mailbox, seeding."""
