//! Placeholder while `check cidr` is being written (issue 3).
