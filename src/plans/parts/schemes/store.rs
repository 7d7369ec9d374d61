//! SQL for the plan's schemes.
