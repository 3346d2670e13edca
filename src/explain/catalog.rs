//! The catalogue of replies relayctl knows by their text: what smtp-relay.gmail.com (and
//! smtp.gmail.com, which admins confuse with it) answers, what it means and what to change.
//! Each entry cites the public sources of docs/sources.md it rests on. Data only; the
//! matching lives in `mod.rs`.

use serde::Serialize;

/// A known reply.
///
/// `summary`, `cause` and `fix` may hold `{ip}`, replaced by the client address the reply
/// shows in brackets (or by words saying where to find it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Entry {
    /// Stable kebab-case id (never renamed; listed in docs/json.md).
    pub id: &'static str,
    /// The codes it comes with, as documented (`550 5.7.1`, `523/525 5.7.10`).
    pub code: &'static str,
    /// What it matches: any of these groups, where every phrase of a group must occur in
    /// the normalised reply (lower case). Entries are tried in catalogue order.
    pub matches: &'static [&'static [&'static str]],
    /// One line: what happened.
    pub summary: &'static str,
    /// Why.
    pub cause: &'static str,
    /// What to change, in sysadmin terms.
    pub fix: &'static str,
    /// The source it rests on.
    pub fact: &'static str,
    /// A real reply text from the source (tests and docs check that it matches).
    pub example: &'static str,
}

impl Entry {
    /// Whether the documented reply is temporary (4xx).
    pub fn temporary(&self) -> bool {
        self.code.starts_with('4')
    }
}

/// Where the relay setting lives in the Admin console (Google help 2956491).
macro_rules! console {
    () => {
        "Admin console > Apps > Google Workspace > Gmail > Routing > SMTP relay service"
    };
}

/// The catalogue, in matching order: where two texts overlap, the more specific entry
/// comes first ("unmanaged work accounts" before "Mail relay denied" before "Invalid
/// credentials for relay"; "(EHLO)" before the plain 421).
pub static CATALOG: &[Entry] = &[
    Entry {
        id: "unmanaged-work-account",
        code: "550 5.7.0",
        matches: &[&["unmanaged work account"]],
        summary: "SMTP relay isn't supported for unmanaged work accounts: the account is not a managed Google Workspace one",
        cause: "The account behind this mail is a consumer or unmanaged Google account (or, in one report, a tier without the relay service), so smtp-relay.gmail.com refuses it. No IP range, HELO or DNS change fixes this.",
        fix: concat!("Send through smtp.gmail.com:587 as that user with an app password (2-Step Verification) or OAuth; or relay from a managed Google Workspace account whose admin has set up the SMTP relay service (", console!(), ")."),
        fact: "observed relay reply: SMTP relay isn't supported for unmanaged work accounts",
        example: "550-5.7.0 SMTP relay isn't supported for unmanaged work accounts.",
    },
    Entry {
        id: "relay-denied-ip",
        code: "550 5.7.0",
        matches: &[&["mail relay denied"]],
        summary: "Mail relay denied: the relay does not know {ip} and found none of your domains in HELO or MAIL FROM",
        cause: "The connection came from an IP address that is not registered in your SMTP relay setting and no SMTP AUTH was used, or no domain of yours could be identified from the HELO name and the envelope sender (MAIL FROM). The relay shows the address it saw in brackets.",
        fix: concat!("Register {ip} in ", console!(), ", under \"Only accept mail from the specified IP addresses\" (the public address the relay sees, not a private or NAT-internal one; changes can take up to an hour); or present an FQDN in your domain as HELO (Postfix smtp_helo_name = mail.example.com); or use SMTP AUTH over TLS. If this is not a Google Workspace account at all, use smtp.gmail.com:587 with an app password instead."),
        fact: "Google 6140680 \"SMTP relay service error messages\" #maildenied; observed: Ombi-app/Ombi#1442 (the relay names the address it sees)",
        example: "550 5.7.0 Mail relay denied [203.0.113.9]. Invalid credentials for relay for one of the domains in: example.com (as obtained from HELO and MAIL FROM). Email is being sent from a domain or IP address which isn't registered in your Workspace account. Please login to your Workspace account and verify that your sending device IP address has been registered within the Workspace SMTP Relay Settings. For more information, go to SMTP relay service error messages.",
    },
    Entry {
        id: "mail-sending-denied",
        code: "550 5.7.0",
        matches: &[&["mail sending denied"]],
        summary: "Mail Sending denied: the envelope sender is a disabled or unregistered user",
        cause: "The envelope sender (MAIL FROM) is a disabled user, or not a registered user of your Google Workspace domain, while the relay setting's Allowed senders is \"Only registered Apps users in my domains\".",
        fix: concat!("Send with an active, registered user as envelope sender (the application's sender setting, or Postfix sender_canonical_maps); or, for devices and applications that are not users, set Allowed senders to \"Only addresses in my domains\" in ", console!(), "."),
        fact: "Google 6140680 \"SMTP relay service error messages\" #maildenied",
        example: "550 5.7.0 Mail Sending denied. This error occurs if the sender account is disabled or not registered within your Google Workspace domain.",
    },
    Entry {
        id: "invalid-credentials-for-relay",
        code: "550 5.7.1",
        matches: &[&["invalid credentials for relay"]],
        summary: "Invalid credentials for relay: {ip} is registered, but the sender's domain does not belong to the account that registered it",
        cause: "The IP address is registered in an SMTP relay setting, but the envelope sender's domain (or an empty MAIL FROM:<>, as in bounces and auto-replies) is not one of the domains of the Workspace account that owns that setting. This is not a limit: 550 5.7.1 also means \"Daily SMTP relay limit exceeded for customer\", and only the text tells them apart.",
        fix: concat!("Send with an envelope sender in one of your domains; or present one of your domain names as HELO (Postfix smtp_helo_name = mail.example.com); or use SMTP AUTH as a user of your domain. For foreign or empty senders, check Allowed senders in ", console!(), " and use SMTP AUTH or a domain HELO."),
        fact: "Google 6140680 \"SMTP relay service error messages\" #invalidcred; observed: mealie-recipes/mealie#4686",
        example: "550 5.7.1 Invalid credentials for relay [203.0.113.9]. The IP address you've registered in your Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from. If you are trying to relay mail from a domain that isn't registered under your Workspace account or has empty envelope-from:, you must configure your mail server either to use SMTP AUTH to identify the sending domain or to present one of your domain names in the HELO or EHLO command. For more information, go to SMTP relay service error messages.",
    },
    Entry {
        id: "daily-limit-user",
        code: "550 5.4.5",
        matches: &[&["daily smtp relay limit exceeded for user"]],
        summary: "Daily SMTP relay limit exceeded for this user (the envelope sender)",
        cause: "This envelope sender relayed more than a user may in 24 hours: 10,000 messages or 10,000 unique recipients (lower while the account is in a trial-like period). The count follows the envelope sender of the relay transaction, not From: or the SMTP AUTH user; envelope senders that are not registered users have no per-user limit. This is the relay's limit, not Gmail's (\"Daily user sending limit exceeded\").",
        fix: "Wait until the 24-hour period has passed; find the application or loop that sends so much as this user (the MTA log shows the envelope sender); spread bulk mail over time or senders.",
        fact: "Google 6140680 \"SMTP relay service error messages\" #userlimit; Google 2956491 \"Route outgoing SMTP relay messages through Google\": sending limits",
        example: "550 5.4.5 Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits please contact your administrator or visit SMTP relay service error messages.",
    },
    Entry {
        id: "daily-limit-customer",
        code: "550 5.7.1",
        matches: &[
            &["daily smtp relay limit exceeded for customer"],
            &["daily smtp relay sending limit exceeded"],
        ],
        summary: "Daily SMTP relay limit exceeded for your organisation (customer)",
        cause: "Your organisation relayed more recipients in 24 hours than it may: at most 4.6 million non-unique recipients, and Google may set it lower based on your sending practices (100 a day while invoices are unpaid or in a free period). All senders, sub-domains and secondary domains count together. Not a credentials problem, although 550 5.7.1 is also the code of \"Invalid credentials for relay\".",
        fix: "Find what sends the volume (a mail loop, a compromised application, a bulk job) in the MTA log, stop it and wait for the 24-hour period to pass; raising relay limits needs a paid invoice.",
        fact: "Google 6140680 \"SMTP relay service error messages\" #dailylimit; Google 2956491 \"Route outgoing SMTP relay messages through Google\": sending limits; observed: wazuh/wazuh#15825",
        example: "550-5.7.1 Daily SMTP relay limit exceeded for customer. For more information on\n550-5.7.1 SMTP relay sending limits please contact your administrator or visit\n550 5.7.1  https://support.google.com/a/answer/6140680#dailylimit b6-20020a170902d88600b001967d95881csm1165800plz.51 - gsmtp",
    },
    Entry {
        id: "daily-limit-relay",
        code: "550 5.4.5",
        matches: &[&["daily smtp relay limit exceeded"]],
        summary: "Daily SMTP relay limit exceeded (the reply is cut before it says for whom)",
        cause: "A daily relay limit was reached: per user (\"... for user\", 550 5.4.5: 10,000 messages or unique recipients per envelope sender) or per organisation (\"... for customer\", 550 5.7.1: up to 4.6 million recipients). The text that says which is missing.",
        fix: "Find the full reply in the MTA log and explain that; meanwhile find what sends the volume and wait for the 24-hour period to pass.",
        fact: "Google 6140680 \"SMTP relay service error messages\"; Google 2956491 \"Route outgoing SMTP relay messages through Google\": sending limits",
        example: "550 5.4.5 daily smtp relay limit exceeded for",
    },
    Entry {
        id: "gmail-daily-limit",
        code: "550 5.4.5",
        matches: &[
            &["daily user sending limit exceeded"],
            &["daily sending quota exceeded"],
        ],
        summary: "Gmail's daily sending limit for this user, not the relay's",
        cause: "The mail went through Gmail (smtp.gmail.com or the Gmail interface) as a user, and that user reached Gmail's own daily sending limit. Same enhanced code 5.4.5 as the relay's per-user limit, different service: relay and Gmail limits are counted separately.",
        fix: "Wait for the limit to reset; for mail from servers, devices and applications use smtp-relay.gmail.com (IP authentication or SMTP AUTH) instead of smtp.gmail.com. Gmail's limits: support.google.com/a/answer/166852.",
        fact: "Google 166852 \"Gmail sending limits in Google Workspace\"; observed: woowacourse-teams/2025-ah-madda#635, gen-smtp/gen_smtp#140",
        example: "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852",
    },
    Entry {
        id: "peak-limit-customer",
        code: "450 4.2.1",
        matches: &[&["peak smtp relay limit exceeded"]],
        summary: "Peak SMTP relay limit exceeded for your organisation (10-minute window); temporary",
        cause: "Your organisation sent more recipients in 10 minutes than it may: at most 319,444, and Google may set it lower based on your sending practices. Temporary: the MTA keeps the mail and retries.",
        fix: "Let the MTA retry; spread the sending out (Postfix: lower smtp_destination_concurrency_limit or set smtp_destination_rate_delay for the relay) and find what sends in bursts.",
        fact: "Google 6140680 \"SMTP relay service error messages\": the 10-minute peak limit; Google 2956491 \"Route outgoing SMTP relay messages through Google\": sending limits",
        example: "450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error. For more information on SMTP relay limits, please contact your administrator or visit https://support.google.com/a/answer/6140680",
    },
    Entry {
        id: "admin-compliance-rule",
        code: "550 5.7.1",
        matches: &[&["- gcdp"], &["message violates", "email policy"]],
        summary: "A rule your Google Workspace administrator defined rejected the message (gcdp)",
        cause: "\"gcdp\" marks replies of administrator-defined Gmail rules (compliance and content policies): the message matched one. This is not a relay configuration problem.",
        fix: "Ask your Workspace administrator which Gmail rule matched; change the message (or have the rule changed), then resend.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\": gcdp",
        example: "550 5.7.1 This message violates example.com email policy. - gcdp <sessionid> - gsmtp",
    },
    Entry {
        id: "tls-required-rcpt-domain",
        code: "421 4.7.0",
        matches: &[&["tls required for rcpt domain"]],
        summary: "TLS required for the recipient's domain: the session was not encrypted",
        cause: "Mail to this recipient's domain must travel over TLS, and this session had none, so the server closed the connection.",
        fix: "Make TLS mandatory towards the relay: STARTTLS on port 587 (Postfix smtp_tls_security_level = encrypt) or implicit TLS on 465 (smtp_tls_wrappermode = yes).",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"",
        example: "421 4.7.0 TLS required for RCPT domain, closing connection",
    },
    Entry {
        id: "helo-rejected",
        code: "421 4.7.0",
        matches: &[&["try again later", "(ehlo)"]],
        summary: "Try again later (EHLO): the relay refused the HELO name (localhost, a container id, or none)",
        cause: "Google documents 421 4.7.0 at the HELO stage as denial-of-service protection, but with \"(EHLO)\" it is in practice a rejected HELO name: EHLO localhost, a container id or a missing name; a different name fixed it every time. Retrying, however often, does not help.",
        fix: "Set the HELO name to the fully qualified name of the sending host in your domain: Postfix smtp_helo_name = mail.example.com, nodemailer `name`, msmtp `domain`, Authelia `identifier`, Exim primary_hostname; never localhost or smtp-relay.gmail.com. Check the name with `relayctl check helo NAME`.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\": 421 4.7.0 at the HELO stage; observed: go-mail/mail#63, dawidd6/action-send-mail#196; Google 2956491 \"Route outgoing SMTP relay messages through Google\": HELO",
        example: "421 4.7.0 Try again later, closing connection. (EHLO) f10sm1a4899ejl.97 - gsmtp",
    },
    Entry {
        id: "try-again-later",
        code: "421 4.7.0",
        matches: &[&["try again later, closing connection"]],
        summary: "Try again later: the relay closed the connection (denial-of-service protection)",
        cause: "Google's denial-of-service protection closed the connection. At the HELO stage it usually means a generic or missing HELO name; it can also follow many short connections or a burst of mail. Temporary: the MTA retries.",
        fix: "Give a unique HELO name, the FQDN of the sending host in your domain (not localhost or smtp-relay.gmail.com); reuse connections for several messages (connection caching) instead of one connection per message; let the MTA retry.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"; Google 2956491 \"Route outgoing SMTP relay messages through Google\": connection caching",
        example: "421 4.7.0 Try again later, closing connection.",
    },
    Entry {
        id: "bad-credentials",
        code: "535 5.7.8",
        matches: &[
            &["username and password not accepted"],
            &["badcredentials"],
        ],
        summary: "Username and Password not accepted: SMTP AUTH failed",
        cause: "SMTP AUTH was refused: a wrong user name or password, or the account's normal password where Google wants an app password (2-Step Verification) or OAuth; password-only sign-in is gone for Workspace, and some tenants disable app passwords entirely.",
        fix: concat!("Create an app password for the sending user and put it in the MTA's credentials (Postfix sasl_passwd, keyed by the exact relayhost including the port, then postmap); or use OAuth; if app passwords are disabled, use IP authentication: register your public IP in ", console!(), " and turn SMTP AUTH off (Postfix smtp_sasl_auth_enable = no)."),
        fact: "observed: loganmarchione/docker-postfixrelay#64; Google 176600 \"Send email from a printer, scanner, or app\": app passwords; observed: docker-mailserver/docker-mailserver#4726",
        example: "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials <id> - gsmtp",
    },
    Entry {
        id: "starttls-required",
        code: "530 5.7.0",
        matches: &[&["must issue a starttls command first"]],
        summary: "Must issue a STARTTLS command first: a command came before TLS",
        cause: "MAIL FROM or AUTH was sent before STARTTLS where TLS is required: \"Require TLS encryption\" is ticked in the relay setting, or AUTH was tried in plain text (Google accepts AUTH only inside TLS).",
        fix: "Make TLS mandatory: STARTTLS on port 587 (Postfix smtp_tls_security_level = encrypt) or implicit TLS on 465 (smtp_tls_wrappermode = yes); with `may`, a failed STARTTLS silently drops AUTH.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"; Google 2956491 \"Route outgoing SMTP relay messages through Google\": Require TLS, SMTP AUTH only over TLS",
        example: "530 5.7.0 Must issue a STARTTLS command first.",
    },
    Entry {
        id: "authentication-required",
        code: "530 5.7.0",
        matches: &[&["authentication required"], &["wantautherror"]],
        summary: "Authentication Required: this is smtp.gmail.com (Gmail), not the relay",
        cause: "smtp.gmail.com, Gmail's submission server, wants SMTP AUTH before it takes mail. smtp-relay.gmail.com would answer an unknown, unauthenticated client with \"Mail relay denied\" instead, so the MTA is talking to smtp.gmail.com.",
        fix: concat!("Either authenticate to smtp.gmail.com:587 as the user (STARTTLS, app password), or point the MTA at smtp-relay.gmail.com and register your public IP in ", console!(), " (or use SMTP AUTH there)."),
        fact: "observed: axllent/mailpit#596, dawidd6/action-send-mail#186",
        example: "530-5.7.0 Authentication Required. For more information, go to\n5.7.0 https://support.google.com/accounts/troubleshooter/2402620. <id> - gsmtp",
    },
    Entry {
        id: "starttls-repeated",
        code: "454 5.5.1",
        matches: &[&["starttls may not be repeated"]],
        summary: "STARTTLS may not be repeated: TLS is already on",
        cause: "The client sent STARTTLS in a session that is already encrypted: a second STARTTLS, or likely STARTTLS on top of implicit TLS (port 465).",
        fix: "Send STARTTLS once, on 587 or 25; on 465 use implicit TLS only (Postfix smtp_tls_wrappermode = yes) and no STARTTLS.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"; RFC 3207 §4.2",
        example: "454 5.5.1 STARTTLS may not be repeated",
    },
    Entry {
        id: "pipelining-after-starttls",
        code: "523/525 5.7.10",
        matches: &[&["pipeline after starttls"]],
        summary: "SMTP protocol violation: commands were pipelined after STARTTLS",
        cause: "The client sent more commands right behind STARTTLS without waiting for its reply and the TLS handshake; everything sent before the handshake is refused.",
        fix: "The client must wait for the 220 reply to STARTTLS, complete the handshake, then send EHLO again; update or fix the client library or its pipelining setting.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"; RFC 3207 §4.2",
        example: "525 5.7.10 SMTP protocol violation, no commands allowed to pipeline after STARTTLS",
    },
    Entry {
        id: "helo-first",
        code: "503 5.5.1",
        matches: &[&["ehlo/helo first"], &["helo/ehlo first"]],
        summary: "EHLO/HELO first: a command came before the greeting",
        cause: "The client sent a command (often STARTTLS or MAIL FROM) before EHLO or HELO.",
        fix: "Fix the client's session order: EHLO, STARTTLS, EHLO again, then AUTH and MAIL FROM.",
        fact: "RFC 3207 §4; RFC 5321 §4.1.4",
        example: "503 5.5.1 EHLO/HELO first.",
    },
    Entry {
        id: "helo-argument-empty",
        code: "501 5.5.4",
        matches: &[&["empty helo/ehlo argument"], &["empty ehlo/helo argument"]],
        summary: "Empty HELO/EHLO argument: the client gave no name",
        cause: "EHLO or HELO was sent without a name.",
        fix: "Configure the HELO name: the fully qualified name of the sending host in your domain (Postfix smtp_helo_name = mail.example.com, nodemailer `name`, msmtp `domain`). Check it with `relayctl check helo NAME`.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"",
        example: "501 5.5.4 Empty HELO/EHLO argument not allowed",
    },
    Entry {
        id: "helo-argument-invalid",
        code: "501 5.5.4",
        matches: &[&["helo/ehlo argument is invalid"], &["ehlo/helo argument is invalid"]],
        summary: "HELO/EHLO argument is invalid: the name is not a host name or address literal",
        cause: "The EHLO/HELO argument is not a valid domain name or bracketed address literal (for example an underscore, a bare IP without brackets, spaces).",
        fix: "Use the fully qualified name of the sending host in your domain, or an address literal in brackets ([203.0.113.9]). Check it with `relayctl check helo NAME`.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"",
        example: "501 5.5.4 HELO/EHLO argument is invalid",
    },
    Entry {
        id: "too-many-recipients",
        code: "452 4.5.3",
        matches: &[
            &["too many recipients"],
            &["domain policy size per transaction exceeded"],
        ],
        summary: "Too many recipients in one transaction",
        cause: "The transaction had more recipients than the server takes. Google states a limit of 100 recipients per SMTP transaction for smtp-relay.gmail.com; this reply text is Gmail's and likely, but not confirmed, the relay's for the 101st RCPT TO.",
        fix: "Send at most 100 RCPT TO per transaction and start another one (RSET or a new connection) for the rest (Postfix: smtp_destination_recipient_limit = 100 or less for the relay). Temporary: the MTA retries the rest.",
        fact: "Google 6140680 \"SMTP relay service error messages\": 100-recipient limit per SMTP transaction; Google 3726730 \"Gmail SMTP errors and codes\"",
        example: "452 4.5.3 Your message has too many recipients",
    },
    Entry {
        id: "multiple-destination-domains",
        code: "451 4.3.0",
        matches: &[&["multiple destination domains per transaction"]],
        summary: "Multiple destination domains per transaction is unsupported: split by domain",
        cause: "One transaction carried recipients in several domains, which this server does not take together. A Gmail reply next to the relay; temporary.",
        fix: "Let the MTA retry (it sends the deferred recipients in a new transaction); if it keeps coming back, send one transaction per recipient domain.",
        fact: "Google 3726730 \"Gmail SMTP errors and codes\"",
        example: "451 4.3.0 Multiple destination domains per transaction is unsupported. Please try again.",
    },
    Entry {
        id: "ehlo-greeting",
        code: "250",
        matches: &[&["at your service"]],
        summary: "EHLO accepted; the relay sees this client as {ip}",
        cause: "Not an error: the relay's greeting to EHLO names the address it sees the client connect from.",
        fix: concat!("Nothing to fix. With IP authentication, {ip} is the address to register in ", console!(), " (behind NAT it is the public one; if it is IPv6 while only IPv4 ranges are registered, mail is denied)."),
        fact: "observed: Ombi-app/Ombi#1442, firebase/extensions#632 (the relay names the address it sees)",
        example: "250-smtp-relay.gmail.com at your service, [203.0.113.9]",
    },
    Entry {
        id: "postfix-sasl-generic-failure",
        code: "4.7.0",
        matches: &[&["sasl authentication failed", "generic failure"]],
        summary: "Postfix: SASL authentication failed, generic failure (mail deferred)",
        cause: "Postfix tried SMTP AUTH with an empty or missing credential entry, typically while the relay setting uses IP authentication; Postfix defers the mail (dsn 4.7.0). A Postfix message, not a reply of the relay.",
        fix: "With IP authentication, turn SMTP AUTH off: smtp_sasl_auth_enable = no. With SMTP AUTH, fill in sasl_passwd for the exact relayhost key, including the port ([smtp-relay.gmail.com]:587), and run postmap on it.",
        fact: "observed: loganmarchione/docker-postfixrelay#62; postconf(5), smtp_sasl_auth_enable",
        example: "SASL authentication failed; cannot authenticate to server smtp-relay.gmail.com[74.125.69.28]: generic failure",
    },
    Entry {
        id: "postfix-wrappermode",
        code: "",
        matches: &[&["smtps wrappermode"]],
        summary: "Postfix: port 465 needs TLS wrapper mode",
        cause: "Port 465 speaks TLS from the first byte (implicit TLS); Postfix talks to it only in wrapper mode. A Postfix message, not a reply of the relay.",
        fix: "Set smtp_tls_wrappermode = yes and smtp_tls_security_level = encrypt for relayhost = [smtp-relay.gmail.com]:465, or use [smtp-relay.gmail.com]:587 with STARTTLS.",
        fact: "observed: docker-mailserver/docker-mailserver#1428, Mailu/Mailu#2658; postconf(5), smtp_tls_wrappermode",
        example: "SMTPS wrappermode (TCP port 465) requires setting \"smtp_tls_wrappermode = yes\", and \"smtp_tls_security_level = en",
    },
];

/// What a bare code means at Google when the text is missing or unknown: a hint added to
/// the RFC meaning. (basic code or 0 for any, enhanced code, hint, source)
pub static CODE_HINTS: &[(u16, &str, &str, &str)] = &[
    (
        550,
        "5.7.1",
        "From smtp-relay.gmail.com, 550 5.7.1 means either \"Invalid credentials for relay\" (the sender's domain does not belong to the account that registered the IP) or \"Daily SMTP relay limit exceeded for customer\"; only the text tells them apart.",
        "Google 6140680 \"SMTP relay service error messages\" #invalidcred, #dailylimit",
    ),
    (
        550,
        "5.4.5",
        "From Google, 550 5.4.5 is a daily limit: the relay's per-user limit (\"Daily SMTP relay limit exceeded for user\") or Gmail's (\"Daily user sending limit exceeded\", smtp.gmail.com); the text tells which.",
        "Google 6140680 \"SMTP relay service error messages\" #userlimit; Google 166852 \"Gmail sending limits in Google Workspace\"",
    ),
    (
        550,
        "5.7.0",
        "From smtp-relay.gmail.com, 550 5.7.0 is usually \"Mail relay denied\" (IP not registered), \"Mail Sending denied\" (disabled or unregistered sender) or \"isn't supported for unmanaged work accounts\"; the text tells which.",
        "Google 6140680 \"SMTP relay service error messages\" #maildenied; observed relay reply: SMTP relay isn't supported for unmanaged work accounts",
    ),
    (
        421,
        "4.7.0",
        "From smtp-relay.gmail.com, 421 4.7.0 right after EHLO is in practice a refused HELO name (localhost, a container id, none); set an FQDN in your domain.",
        "Google 3726730 \"Gmail SMTP errors and codes\": 421 4.7.0 at the HELO stage; observed: go-mail/mail#63",
    ),
    (
        530,
        "5.7.0",
        "From Google, 530 5.7.0 is \"Must issue a STARTTLS command first\" or smtp.gmail.com's \"Authentication Required\".",
        "Google 3726730 \"Gmail SMTP errors and codes\": 530 5.7.0; observed: axllent/mailpit#596",
    ),
];

/// The catalogue, for docs and tests that iterate over it.
pub fn catalog() -> &'static [Entry] {
    CATALOG
}
