"""Developer tools (regenerating generated/ and docs/rules.md); not part of the package."""
