//! The test certificate authority: an rcgen CA made fresh per test, and the four kinds of
//! server certificate the relay can present. Nothing here touches the network; files are
//! written only when a caller asks (`write_pem`).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names a `CertKind::Good` certificate is valid for: what a test may dial.
pub const GOOD_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "::1", "relay.test"];

/// The only name on a `CertKind::WrongName` certificate.
pub const WRONG_NAME: &str = "other.example";

/// Which server certificate the relay presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// Signed by the test CA, valid now, for `GOOD_NAMES`.
    Good,
    /// Signed by the test CA, valid now, but only for `WRONG_NAME`.
    WrongName,
    /// Signed by the test CA, for `GOOD_NAMES`, but it expired in 2001.
    Expired,
    /// Valid now for `GOOD_NAMES`, but signed by its own key, not by the CA.
    SelfSigned,
}

/// A throw-away CA. Trust it on the client side (`client_config`, `ca_pem`, `write_pem`)
/// and hand it to `Relay::start`, which issues the server certificate.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    cert: rcgen::Certificate,
}

impl Default for Ca {
    fn default() -> Ca {
        Ca::new()
    }
}

impl Ca {
    /// A new CA with a fresh ECDSA P-256 key (rcgen's default; also what Google's relay
    /// presents, RFC 8314; firebase/extensions#632).
    pub fn new() -> Ca {
        let key = KeyPair::generate().expect("ring generates a P-256 key"); // infallible: the message says why
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names to check"); // infallible: the message says why
        params
            .distinguished_name
            .push(DnType::CommonName, "relayctl test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("CA parameters are valid"); // infallible: the message says why
        Ca {
            issuer: Issuer::new(params, key),
            cert,
        }
    }

    /// The CA certificate in PEM, for `--ca-file`.
    pub fn ca_pem(&self) -> String {
        self.cert.pem()
    }

    /// The CA certificate in DER.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// Writes the CA certificate as PEM to `path`.
    pub fn write_pem(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.ca_pem())
    }

    /// A root store holding only this CA.
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.ca_der())
            .expect("rcgen's CA certificate parses"); // infallible: the message says why
        roots
    }

    /// A rustls client configuration (ring provider) that trusts only this CA.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions") // infallible: the message says why
            .with_root_certificates(self.root_store())
            .with_no_client_auth();
        Arc::new(config)
    }

    /// A rustls server configuration (ring provider) presenting a fresh certificate of
    /// the given kind.
    pub fn server_config(&self, kind: CertKind) -> Arc<rustls::ServerConfig> {
        let (chain, key) = self.issue(kind);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions") // infallible: the message says why
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the key matches the certificate"); // infallible: the message says why
        Arc::new(config)
    }

    /// Issues a certificate for `names` (host names or IP addresses) with a fresh key,
    /// signed by this CA, or by its own key for `CertKind::SelfSigned`; `WrongName` puts
    /// `WRONG_NAME` instead of the names. The subject CN is the first name, as on a real
    /// server certificate: clients that check the CN and not the SANs (sendmail's
    /// `TLS_Srv:host VERIFY+CN:host`) see the relay's name. Returns the certificate and
    /// key in PEM.
    pub fn issue_pem(&self, names: &[String], kind: CertKind) -> Result<(String, String), String> {
        let names: Vec<String> = match kind {
            CertKind::WrongName => vec![WRONG_NAME.to_owned()],
            _ => names.to_vec(),
        };
        let cn = names
            .first()
            .cloned()
            .unwrap_or_else(|| "relayctl sim".to_owned());
        let mut params = CertificateParams::new(names).map_err(|e| e.to_string())?;
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = kind != CertKind::SelfSigned;
        if kind == CertKind::Expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = match kind {
            CertKind::SelfSigned => params.self_signed(&key),
            _ => params.signed_by(&key, &self.issuer),
        }
        .map_err(|e| e.to_string())?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Issues a server certificate of the given kind with a fresh key: the chain to present
    /// (the leaf alone, as the CA is the trust anchor) and its private key.
    pub fn issue(&self, kind: CertKind) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let names: Vec<String> = match kind {
            CertKind::WrongName => vec![WRONG_NAME.to_owned()],
            _ => GOOD_NAMES.iter().map(|n| n.to_string()).collect(),
        };
        let mut params = CertificateParams::new(names).expect("the names are valid SANs"); // infallible: the message says why
        params
            .distinguished_name
            .push(DnType::CommonName, "relayctl test relay");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = kind != CertKind::SelfSigned;
        if kind == CertKind::Expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().expect("ring generates a P-256 key"); // infallible: the message says why
        let cert = match kind {
            CertKind::SelfSigned => params.self_signed(&key),
            _ => params.signed_by(&key, &self.issuer),
        }
        .expect("leaf parameters are valid"); // infallible: the message says why
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (vec![cert.der().clone()], key_der)
    }
}

/// A rustls server configuration (ring provider) presenting the PEM chain `cert` with the
/// PEM private key `key`.
pub fn server_config_pem(cert: &[u8], key: &[u8]) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    let chain = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("certificate: {e}"))?;
    if chain.is_empty() {
        return Err("certificate: no CERTIFICATE block".to_owned());
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("key: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(pem: &str) -> String {
        use rustls::pki_types::pem::PemObject;
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        crate::net::tls::cert_info(&der).subject
    }

    #[test]
    fn issued_certificate_cn_is_the_first_name() {
        let ca = Ca::new();
        let names = vec!["relay.test".to_owned(), "localhost".to_owned()];
        for kind in [CertKind::Good, CertKind::SelfSigned, CertKind::Expired] {
            let (cert, _) = ca.issue_pem(&names, kind).unwrap();
            assert_eq!(subject(&cert), "CN=relay.test", "{kind:?}");
        }
        let (cert, _) = ca.issue_pem(&names, CertKind::WrongName).unwrap();
        assert_eq!(subject(&cert), format!("CN={WRONG_NAME}"));
    }
}
