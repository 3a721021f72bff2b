"""The optimizer: dead code, copy propagation, algebraic identities, common subexpressions."""
