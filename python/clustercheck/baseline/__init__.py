"""Performance baselines: a run's metrics saved, the next run judged against them, and a history."""
