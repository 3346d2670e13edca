//! What a TLS handshake showed, as plain data: protocol, cipher suite, the server's
//! certificates and whether they verified. `net::tls` fills it in; verdicts and renderers
//! read it.

use std::fmt;

/// The outcome of certificate verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", content = "reason", rename_all = "kebab-case")]
pub enum Verification {
    /// The chain verified for the host name against the trust anchors.
    Verified,
    /// Verification failed with this reason; the connection was aborted.
    Failed(String),
    /// Verification failed with this reason, and the session went on because of
    /// `--insecure`.
    Ignored(String),
}

/// One certificate of the server's chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Subject alternative names: DNS names and IP addresses.
    pub san: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Whole days from the handshake to the end of validity (negative once expired).
    pub days_left: i64,
}

/// The negotiated TLS session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsInfo {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// IANA cipher suite name, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The name the certificate was checked against (host name or IP address).
    pub server_name: String,
    /// The server's chain, leaf first.
    pub certificates: Vec<CertInfo>,
    /// Whether the chain verified.
    pub verification: Verification,
}

/// A handshake that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsFailure {
    /// What went wrong, one line (e.g. `certificate not valid for name "relay.test"`).
    pub message: String,
    /// Whether it was certificate verification (as opposed to protocol, timeout, I/O).
    pub is_certificate: bool,
    /// Whether the step's deadline passed.
    pub is_timeout: bool,
    /// Whether the peer closed or reset the connection during the handshake (a network
    /// event, not a TLS answer).
    pub is_closed: bool,
    /// The server's chain if it was received before the failure.
    pub certificates: Vec<CertInfo>,
}

/// Which TLS problem stopped the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsProblem {
    /// The certificate does not name the host connected to.
    NotValidForName,
    /// The certificate chain does not lead to a trusted root.
    UnknownIssuer,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate is revoked.
    Revoked,
    /// Another certificate problem (bad signature, encoding, purpose).
    BadCertificate,
    /// The handshake itself failed (an alert, a peer not speaking TLS, no common version).
    Handshake,
}

impl TlsProblem {
    /// Classifies a failed handshake. Certificate failures carry the words of
    /// `net::tls::describe_error` (a test there keeps the two in step).
    pub fn of(f: &TlsFailure) -> TlsProblem {
        if !f.is_certificate {
            return TlsProblem::Handshake;
        }
        let m = f.message.as_str();
        if m.starts_with("certificate not valid for") {
            TlsProblem::NotValidForName
        } else if m.starts_with("certificate expired") {
            TlsProblem::Expired
        } else if m.starts_with("certificate not valid yet") {
            TlsProblem::NotYetValid
        } else if m.starts_with("certificate issued by an unknown authority") {
            TlsProblem::UnknownIssuer
        } else if m.starts_with("certificate revoked") {
            TlsProblem::Revoked
        } else {
            TlsProblem::BadCertificate
        }
    }
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsProblem::NotValidForName => "the certificate is not valid for this host name",
            TlsProblem::UnknownIssuer => "the certificate's issuer is not trusted",
            TlsProblem::Expired => "the certificate has expired",
            TlsProblem::NotYetValid => "the certificate is not valid yet",
            TlsProblem::Revoked => "the certificate is revoked",
            TlsProblem::BadCertificate => "the certificate is not acceptable",
            TlsProblem::Handshake => "the TLS handshake failed",
        })
    }
}
