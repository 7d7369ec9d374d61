//! SQL for the plan's funding.
