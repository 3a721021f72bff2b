"""Analyses of the evaluation trace: activity, kinds, aliasing, to-be-recorded values."""
