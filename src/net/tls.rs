//! TLS trust for the probe: the public roots (webpki-roots) plus `--ca-file` anchors, and
//! a verifier that records the server's chain and the verification result before deciding,
//! so a failed handshake still reports which certificate was presented and why it was
//! refused. With `--insecure` the result is recorded and ignored. No I/O here.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::smtp::tls::{CertInfo, TlsInfo, Verification};

/// Why the trust anchors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The PEM had no certificate, or a certificate rustls refused.
    #[error("{0}")]
    BadPem(String),
    /// rustls could not build a verifier from the roots.
    #[error("cannot build the certificate verifier: {0}")]
    Verifier(String),
}

/// Trust anchors and policy, built once and shared by every connection of a run.
#[derive(Debug, Clone)]
pub struct Trust {
    provider: Arc<CryptoProvider>,
    verifier: Arc<WebPkiServerVerifier>,
    insecure: bool,
}

impl Trust {
    /// The public roots, plus the certificates of `extra_pem` (a `--ca-file`) when given.
    /// `insecure` records verification failures instead of aborting the handshake.
    pub fn new(extra_pem: Option<&[u8]>, insecure: bool) -> Result<Trust, TrustError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = extra_pem {
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| TrustError::BadPem(format!("not PEM: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| TrustError::BadPem(format!("certificate refused: {e}")))?;
                added += 1;
            }
            if added == 0 {
                return Err(TrustError::BadPem(
                    "no certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
                ));
            }
        }
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| TrustError::Verifier(e.to_string()))?;
        Ok(Trust {
            provider,
            verifier,
            insecure,
        })
    }

    /// A client configuration for one connection, with its own [`Recorder`].
    pub fn client_config(&self) -> (Arc<ClientConfig>, Arc<Recorder>) {
        let recorder = Arc::new(Recorder {
            inner: self.verifier.clone(),
            insecure: self.insecure,
            seen: Mutex::new(None),
        });
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions") // infallible: the message says why
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        (Arc::new(config), recorder)
    }
}

/// What the verifier saw: the chain (DER) and the result.
type Seen = (Vec<CertificateDer<'static>>, Verification);

/// A verifier that delegates to webpki and remembers what it saw.
#[derive(Debug)]
pub struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    insecure: bool,
    seen: Mutex<Option<Seen>>,
}

impl Recorder {
    /// The chain and result of the last verification, if one happened.
    pub fn seen(&self) -> Option<Seen> {
        self.seen.lock().ok().and_then(|g| g.clone())
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let verification = match &result {
            Ok(_) => Verification::Verified,
            Err(e) if self.insecure => Verification::Ignored(describe_error(e)),
            Err(e) => Verification::Failed(describe_error(e)),
        };
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut g) = self.seen.lock() {
            *g = Some((chain, verification));
        }
        match result {
            Ok(v) => Ok(v),
            Err(_) if self.insecure => Ok(ServerCertVerified::assertion()),
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A rustls error in a sysadmin's words.
pub fn describe_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "certificate not valid for the host name".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate not valid yet (check this machine's clock)".into()
            }
            CertificateError::UnknownIssuer => {
                "certificate issued by an unknown authority (self-signed, or a TLS-intercepting proxy)".into()
            }
            CertificateError::Revoked => "certificate revoked".into(),
            CertificateError::BadSignature => "certificate signature invalid".into(),
            other => format!("certificate refused: {other:?}"),
        },
        rustls::Error::AlertReceived(a) => format!("the server sent TLS alert {a:?}"),
        rustls::Error::PeerIncompatible(p) => format!("no common TLS parameters: {p:?}"),
        rustls::Error::InvalidMessage(m) => format!("invalid TLS message: {m:?}"),
        other => other.to_string(),
    }
}

/// The negotiated session as [`TlsInfo`].
pub fn session_info(
    conn: &rustls::ClientConnection,
    server_name: &str,
    recorder: &Recorder,
) -> TlsInfo {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(v) => format!("{v:?}"),
        None => "unknown".to_owned(),
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| {
            s.suite()
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{:?}", s.suite()))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let (certificates, verification) = match recorder.seen() {
        Some((chain, v)) => (chain.iter().map(|c| cert_info(c)).collect(), v),
        None => (
            Vec::new(),
            Verification::Failed("no certificate seen".into()),
        ),
    };
    TlsInfo {
        version,
        cipher,
        server_name: server_name.to_owned(),
        certificates,
        verification,
    }
}

/// Subject, SAN, issuer and validity of a DER certificate (best effort: an unparsable one
/// still appears, with its parse error as subject).
pub fn cert_info(der: &CertificateDer<'_>) -> CertInfo {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    match x509_parser::parse_x509_certificate(der.as_ref()) {
        Ok((_, cert)) => {
            let mut san = Vec::new();
            if let Ok(Some(ext)) = cert.subject_alternative_name() {
                for name in &ext.value.general_names {
                    match name {
                        x509_parser::extensions::GeneralName::DNSName(d) => {
                            san.push((*d).to_owned())
                        }
                        x509_parser::extensions::GeneralName::IPAddress(b) => {
                            if let Ok(a) = <[u8; 4]>::try_from(*b) {
                                san.push(std::net::Ipv4Addr::from(a).to_string());
                            } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                                san.push(std::net::Ipv6Addr::from(a).to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            let not_before = cert.validity().not_before.timestamp();
            let not_after = cert.validity().not_after.timestamp();
            CertInfo {
                subject: cert.subject().to_string(),
                san,
                issuer: cert.issuer().to_string(),
                not_before: rfc3339(not_before),
                not_after: rfc3339(not_after),
                days_left: (not_after - now).div_euclid(86_400),
            }
        }
        Err(e) => CertInfo {
            subject: format!("(unparsable certificate: {e})"),
            san: Vec::new(),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
        },
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC), by the `time` crate (already in
/// the tree through rcgen). Out of its range (years beyond 9999): the seconds as a number.
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{secs}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(secs), want, "{secs}");
        }
    }

    #[test]
    fn bad_ca_files_are_refused() {
        assert!(Trust::new(Some(b"not a pem"), false).is_err());
        assert!(Trust::new(Some(b""), false).is_err());
        assert!(Trust::new(None, false).is_ok());
    }
}

#[cfg(test)]
mod wording_tests {
    use super::*;
    use crate::smtp::tls::TlsFailure;
    use crate::smtp::tls::TlsProblem;

    /// send-test classifies certificate failures by these words: keep them in step.
    #[test]
    fn certificate_words_classify_back() {
        for (e, want) in [
            (
                CertificateError::NotValidForName,
                TlsProblem::NotValidForName,
            ),
            (CertificateError::Expired, TlsProblem::Expired),
            (CertificateError::NotValidYet, TlsProblem::NotYetValid),
            (CertificateError::UnknownIssuer, TlsProblem::UnknownIssuer),
            (CertificateError::Revoked, TlsProblem::Revoked),
            (CertificateError::BadSignature, TlsProblem::BadCertificate),
        ] {
            let f = TlsFailure {
                message: describe_error(&rustls::Error::InvalidCertificate(e.clone())),
                is_certificate: true,
                is_timeout: false,
                is_closed: false,
                certificates: Vec::new(),
            };
            assert_eq!(TlsProblem::of(&f), want, "{e:?}");
        }
    }
}
