"""Looking at derivatives: trace tables, graphs, highlighting, standalone modules."""
