//! SQL for the plan's engagement.
