//! The kit's own throw-away CA (rcgen) and the server certificates a scenario presents.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Which certificate the server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// Signed by the CA, valid now, for localhost, 127.0.0.1 and ::1.
    Good,
    /// Signed by the CA, valid now, but only for `wrong.example.net`.
    WrongName,
    /// Signed by the CA for the right names, but it expired in 2011.
    Expired,
    /// Right names, valid now, signed by its own key.
    SelfSigned,
}

/// A CA made fresh for each server.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    pub fn new() -> Ca {
        let key = KeyPair::generate().expect("a P-256 key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names");
        params
            .distinguished_name
            .push(DnType::CommonName, "relayctl hostile kit CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("CA parameters are valid");
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate, PEM, for `--ca-file`.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A rustls server configuration (ring) presenting a fresh certificate of `kind`.
    pub fn server_config(&self, kind: CertKind) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = match kind {
            CertKind::WrongName => vec!["wrong.example.net".into()],
            _ => ["localhost", "127.0.0.1", "::1"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let mut params = CertificateParams::new(names).expect("valid SANs");
        params
            .distinguished_name
            .push(DnType::CommonName, "hostile.test");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = kind != CertKind::SelfSigned;
        if kind == CertKind::Expired {
            params.not_before = rcgen::date_time_ymd(2010, 1, 1);
            params.not_after = rcgen::date_time_ymd(2011, 1, 1);
        }
        let key = KeyPair::generate().expect("a P-256 key");
        let cert = match kind {
            CertKind::SelfSigned => params.self_signed(&key),
            _ => params.signed_by(&key, &self.issuer),
        }
        .expect("leaf parameters are valid");
        let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the key matches the certificate");
        Arc::new(config)
    }
}
