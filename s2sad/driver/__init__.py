"""From a user's call to a compiled, cached derivative: targets, linking, caches, running."""
