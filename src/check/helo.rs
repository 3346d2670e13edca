//! Placeholder while `check helo` is being written (issue 3).
