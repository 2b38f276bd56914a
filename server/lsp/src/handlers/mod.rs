//! One file per LSP request or notification; each is `impl AigisServer { handle_* }`, called
//! from the `LanguageServer` impl in `lib.rs`.

use super::*;

mod code_action;
mod code_lens;
mod did_change;
mod did_close;
mod did_open;
mod did_save;
mod execute_command;
mod hover;
mod lifecycle;
