//! Exit codes of the command-line tool.

/// The command failed; the message says why and what to do.
pub const EXIT_FAILURE: i32 = 1;
/// The command line itself was wrong (clap uses the same code).
pub const EXIT_USAGE: i32 = 2;
