"""The derivative transforms: forward (tangent) and reverse (adjoint) code, motion."""
