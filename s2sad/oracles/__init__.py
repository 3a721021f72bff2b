"""Independent routes to a derivative: finite differences and dual numbers."""
