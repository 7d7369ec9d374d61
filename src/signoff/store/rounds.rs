//! Rounds, decisions, board decisions, submissions and assurance.
