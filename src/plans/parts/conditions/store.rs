//! SQL for the plan's conditions.
