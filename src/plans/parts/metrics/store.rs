//! SQL for the plan's metrics.
