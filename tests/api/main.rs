//! Integration tests: the real router over HTTP against a real PostgreSQL database.
//! One binary, so the throwaway cluster is started once and shared (see `helpers`).

mod access;
mod account;
mod admin;
mod audit;
mod checks;
mod compare;
mod conditions;
mod demo;
mod funding;
mod hardening_account;
mod hardening_memory;
mod hardening_sign_in;
mod harness;
mod health;
mod helpers;
mod launcher;
mod metrics;
mod ops_launch;
mod ops_totp;
mod pages;
mod plans;
mod plans_faults;
mod plans_races;
mod query_count;
mod risk_links;
mod risks;
mod risks_matrix;
mod risks_transfer;
mod schemes;
mod sign_in;
mod signoff;
mod signoff_races;
mod template_structure;
mod templates;
mod workbook;
