"""Front end: source -> parsed function -> syntax check -> evaluation trace (ANF/SSA)."""
