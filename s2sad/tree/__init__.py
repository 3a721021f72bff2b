"""The tree toolkit: building gast nodes, fresh names, emitting source text."""
