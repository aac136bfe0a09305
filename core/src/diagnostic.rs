//! `Diagnostic`: something in the input that pullpath could not use, and where. Its own module
//! so that every reader (inventory, directory, scan) can report one without depending on the
//! others. Not here: deciding what is a problem.

use serde::{Deserialize, Serialize};

/// Something in the input that pullpath could not use, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Where: a resource id, or a JSON path when there is no id.
    pub at: String,
    pub message: String,
}
