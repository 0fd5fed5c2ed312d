//! What an action does on one cloud, in words, next to its `required_permissions()`: the
//! cloud comparison matrix in `docs/architecture.md` is generated from these (`make docs`), so
//! the documentation changes in the same place, and the same commit, as the code.

/// One action on one cloud, for people: which API it calls and how `undo` restores the prior
/// state. Each action file has a `pub const DOC: ActionDoc`; each cloud's remediator exposes
/// them through `action_doc(kind)` with an exhaustive match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDoc {
    /// The API calls that change (and verify) the resource. Markdown, one line.
    pub api: &'static str,
    /// How undo restores the recorded prior state, or why there is nothing to restore.
    pub undo: &'static str,
}
