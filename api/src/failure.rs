//! A command's failure, shared by the CLI and its HTTP client (which turns problem documents
//! into failures) so that neither imports the other for it.

/// A command's failure: the message for the operator and the exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
    /// The server could not be reached or the connection broke: a retry may succeed.
    connection: bool,
}

impl Failure {
    /// A failed command (exit code 1).
    pub fn failed(message: impl std::fmt::Display) -> Self {
        Failure {
            message: message.to_string(),
            code: 1,
            connection: false,
        }
    }

    /// The server could not be reached, or the connection broke (exit code 1).
    pub fn connection(message: impl std::fmt::Display) -> Self {
        Failure {
            connection: true,
            ..Failure::failed(message)
        }
    }

    /// Whether this is a connection failure, which a retry may cure.
    pub fn is_connection(&self) -> bool {
        self.connection
    }

    /// What the operator is told (empty when the command printed it already).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit code: 1 for a failed command, 2 for a wrong command line.
    pub fn code(&self) -> u8 {
        self.code
    }
}

impl Failure {
    /// The command finished and has printed what needs attention (exit code 1).
    pub fn reported() -> Self {
        Failure {
            message: String::new(),
            code: 1,
            connection: false,
        }
    }

    /// The command line was wrong (exit code 2).
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Failure {
            message: message.to_string(),
            code: 2,
            connection: false,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<vault::Error> for Failure {
    fn from(err: vault::Error) -> Self {
        Failure::failed(err)
    }
}

impl From<model::Invalid> for Failure {
    fn from(invalid: model::Invalid) -> Self {
        Failure::failed(invalid)
    }
}
