//! The command line, in clap derive. CLI enums live here, separate from the domain enums,
//! so help text can change without touching the model. No logic beyond parsing.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::gen::Target;
use crate::relay::console::parse_range;
use crate::relay::names::{Domain, HeloName, Hostname};
use crate::relay::Port;

/// Configure and check mail servers that relay through Google Workspace's SMTP relay
/// (smtp-relay.gmail.com).
#[derive(Debug, Parser)]
#[command(name = "relayctl", version, about, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 ok, 1 findings, 2 usage error, 3 input error, 4 network error, 130 interrupted (Ctrl-C)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on),
    /// always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Quiet, for scripts: nothing on stderr but a failure's one `relayctl: ...` line (no
    /// progress, notes, warnings or summaries); stdout and the exit code are unchanged.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(InitArgs),
    Gen(GenArgs),
    #[command(subcommand)]
    Check(CheckCommand),
    Probe(ProbeArgs),
    SendTest(SendTestArgs),
    Explain(ExplainArgs),
    Lint(LintArgs),
    Sim(SimArgs),
    Completions(CompletionsArgs),
    #[command(hide = true)]
    Man(ManArgs),
}

/// Write a commented relay.toml describing your relay setting.
///
/// Values given as flags are filled in; the HELO name defaults to this machine's fully
/// qualified name. Refuses to overwrite an existing file unless --force.
///
/// Example: relayctl init --domain example.com --range 203.0.113.0/28
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write.
    #[arg(default_value = "relay.toml", value_name = "PATH")]
    pub path: PathBuf,
    /// Overwrite an existing file (a regular file only, which keeps its permission mode).
    #[arg(long)]
    pub force: bool,
    /// The default target of `gen`.
    #[arg(long, value_parser = target_parser(), value_name = "TARGET")]
    pub mta: Option<Target>,
    #[command(flatten)]
    pub setting: SettingArgs,
}

/// Write the configuration for your MTA that matches your relay setting.
///
/// Paste-ready output on stdout (the main file's lines, the commands or the numbered
/// steps); other files, commands to run, how to verify and notes on stderr. With
/// --format json, everything on stdout as one document (schema relayctl/gen/1).
///
/// Example: relayctl gen postfix --helo mail.example.com --domain example.com
#[derive(Debug, Args)]
pub struct GenArgs {
    /// The mail system to configure (default: site.mta in relay.toml).
    #[arg(value_parser = target_parser(), value_name = "TARGET")]
    pub target: Option<Target>,
    /// Exchange edition.
    #[arg(long, value_enum, value_name = "YEAR")]
    pub edition: Option<EditionArg>,
    /// Exchange: an Edge Transport server sends to the Internet.
    #[arg(long)]
    pub edge: bool,
    /// Output form, for targets that have several (postfix: config or commands;
    /// exchange 2007+: steps or commands).
    #[arg(long = "as", value_enum, value_name = "FORM")]
    pub form: Option<FormArg>,
    /// Write output even for a plan the MTA cannot fully meet (qmail without TLS).
    #[arg(long)]
    pub force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// relay.toml to read (default: ./relay.toml when it exists).
    #[arg(long, value_name = "PATH", env = "RELAYCTL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub setting: SettingArgs,
}

/// The relay setting as flags; each wins over relay.toml.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Relay setting (overrides relay.toml)")]
pub struct SettingArgs {
    /// Console "Allowed senders".
    #[arg(long, value_enum, value_name = "WHO")]
    pub allowed_senders: Option<AllowedSendersArg>,
    /// Console "Authentication".
    #[arg(long, value_enum, value_name = "HOW")]
    pub auth: Option<AuthArg>,
    /// Console "Require TLS encryption" is ticked (the default).
    #[arg(long, overrides_with = "no_require_tls")]
    pub require_tls: bool,
    /// Console "Require TLS encryption" is not ticked.
    #[arg(long, overrides_with = "require_tls")]
    pub no_require_tls: bool,
    /// A range of the console's IP address list (repeatable; replaces relay.toml's ranges).
    #[arg(long = "range", value_name = "CIDR", value_parser = parse_range_arg)]
    pub ranges: Vec<ipnet::IpNet>,
    /// The name this server presents in HELO/EHLO (default: the machine's FQDN).
    #[arg(long, value_name = "NAME", value_parser = parse_helo_arg)]
    pub helo: Option<HeloName>,
    /// One of your Workspace domains (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN", value_parser = parse_domain_arg)]
    pub domains: Vec<Domain>,
    /// A domain that must not go to Google, optionally =HOST to send it to (repeatable).
    #[arg(long = "internal-domain", value_name = "DOMAIN[=HOST]")]
    pub internal_domains: Vec<String>,
    /// Relay host.
    #[arg(long, value_name = "HOST", value_parser = parse_host_arg)]
    pub relay_host: Option<Hostname>,
    /// Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25.
    #[arg(long, value_name = "PORT", value_parser = parse_port_arg)]
    pub port: Option<Port>,
    /// Client TLS: required (default), opportunistic, none.
    #[arg(long, value_enum, value_name = "MODE")]
    pub tls: Option<TlsArg>,
    /// The Workspace user for SMTP AUTH (the password is never a flag).
    #[arg(long, value_name = "USER")]
    pub auth_user: Option<String>,
    /// Number of user licences.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub licences: Option<u32>,
}

fn parse_range_arg(s: &str) -> Result<ipnet::IpNet, String> {
    parse_range(s).map_err(|e| e.to_string())
}

fn parse_helo_arg(s: &str) -> Result<HeloName, String> {
    s.parse()
        .map_err(|e: crate::relay::names::NameError| e.to_string())
}

fn parse_domain_arg(s: &str) -> Result<Domain, String> {
    s.parse()
        .map_err(|e: crate::relay::names::NameError| e.to_string())
}

fn parse_host_arg(s: &str) -> Result<Hostname, String> {
    s.parse()
        .map_err(|e: crate::relay::names::NameError| e.to_string())
}

fn parse_port_arg(s: &str) -> Result<Port, String> {
    s.parse()
        .map_err(|e: crate::relay::PortError| e.to_string())
}

/// Check the console's IP ranges or this server's HELO name.
///
/// Example: relayctl check helo mail.example.com --ip 203.0.113.25 --domain example.com
#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    Cidr(CidrArgs),
    Helo(HeloArgs),
}

/// Threshold for exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Exit 1 when there is an error.
    Error,
    /// Exit 1 when there is a warning or an error.
    Warning,
}

/// Validate IP ranges for the Admin console's SMTP relay setting.
///
/// Reads one entry per line (`CIDR [description]`, `#` comments), or CSV
/// `description,range[,enabled]`, from FILE or stdin (`-`), plus the ranges of a relay.toml
/// and --range values. Reports syntax errors, ranges over 65,536 addresses (with the
/// split), host bits, non-public addresses, duplicates and overlaps, merges, broad ranges,
/// and a missing IPv6 range on a host with IPv6 egress. Findings on stdout, a summary on
/// stderr; --canonical prints the list to paste into the console instead.
///
/// Exit codes: 0 nothing at the --fail-on level, 1 findings, 3 unreadable input.
///
/// Example: relayctl check cidr ranges.txt --fail-on warning
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("input")
        .required(true)
        .multiple(true)
        .args(["file", "ranges", "from_config"])
))]
pub struct CidrArgs {
    /// File of ranges (`-` for stdin); at most 256 MiB is read.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A range to check (repeatable).
    #[arg(long = "range", value_name = "CIDR")]
    pub ranges: Vec<String>,
    /// Check the ranges of this relay.toml.
    #[arg(long, value_name = "PATH")]
    pub from_config: Option<PathBuf>,
    /// Print the canonical list (valid ranges, split and merged, ready to paste into the
    /// console) on stdout, and the findings on stderr. Text format only: JSON always holds it.
    #[arg(long)]
    pub canonical: bool,
    /// Whether the relaying host has IPv6 egress (auto: read this host's routes).
    #[arg(long, value_enum, default_value_t = Ipv6EgressArg::Auto, value_name = "WHEN")]
    pub ipv6_egress: Ipv6EgressArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Exit 1 when a finding of at least this severity is found.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error, value_name = "SEVERITY")]
    pub fail_on: FailOnArg,
}

/// `check cidr --ipv6-egress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ipv6EgressArg {
    /// Look at this host's IPv6 default route and addresses (/proc; no packet is sent).
    Auto,
    /// The relaying host sends over IPv6 (run the check elsewhere for it).
    Yes,
    /// The relaying host has no IPv6 egress, or it is forced to IPv4.
    No,
}

/// Check the name this server presents in HELO/EHLO, with DNS evidence.
///
/// Name rules (FQDN, RFC 1123 syntax, no generic or private names, address literals),
/// then DNS: the name's A/AAAA records, forward-confirmed reverse DNS for --ip, and
/// whether the name is in one of your --domain values.
///
/// Example: relayctl check helo mail.example.com --ip 192.0.2.25 --domain example.com
#[derive(Debug, Args)]
pub struct HeloArgs {
    /// The HELO/EHLO name to check.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The server's public address, for forward-confirmed reverse DNS.
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<std::net::IpAddr>,
    /// One of your Workspace domains (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Ask this DNS server instead of the system's (HOST:PORT or IP; port 53 by default).
    #[arg(long, value_name = "HOST:PORT")]
    pub nameserver: Option<String>,
    /// Seconds to wait for each DNS answer.
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Exit 1 when a finding of at least this severity is found.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error, value_name = "SEVERITY")]
    pub fail_on: FailOnArg,
}

/// Talk to the relay on ports 25, 465 and 587 at once and say what is wrong.
///
/// For every port and every address of the host: connect, banner, EHLO, STARTTLS (25,
/// 587) or TLS on connect (465), EHLO again, the TLS details, AUTH when --auth-user is
/// given, an envelope test (MAIL FROM, RCPT TO, RSET: no message is sent) when --mail-from
/// and --rcpt are given, QUIT. A timing per step, a verdict per port with its cause and
/// fix, and the port and settings to use. No credential is sent before TLS.
///
/// The password comes from RELAYCTL_PASSWORD, --password-file or a prompt; never from
/// the command line.
///
/// Exit codes: 0 every port ok or warn, 1 a port failed, 3 bad input or a missing
/// credential, 4 the host could not be resolved or no port could be reached. With
/// --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
///
/// Example: relayctl probe --helo mail.example.com --mail-from it@example.com --rcpt you@example.com
#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// A port to probe (repeatable; default: 25, 465 and 587). 465 is TLS on connect,
    /// others STARTTLS; another port states its mode: 2465/tls, 2587/starttls.
    #[arg(long = "port", value_name = "PORT[/MODE]")]
    pub ports: Vec<crate::smtp::PortSpec>,
    #[command(flatten)]
    pub cred: CredentialArgs,
    /// Envelope test: MAIL FROM this address (then RSET; nothing is sent).
    #[arg(long, value_name = "ADDR", requires = "rcpts")]
    pub mail_from: Option<String>,
    /// Envelope test: RCPT TO this address (repeatable).
    #[arg(long = "rcpt", value_name = "ADDR", requires = "mail_from")]
    pub rcpts: Vec<String>,
    /// Print the SMTP dialogue of every connection (AUTH redacted).
    #[arg(long)]
    pub transcript: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProbeFormatArg::Text)]
    pub format: ProbeFormatArg,
}

/// Send one real test message through the relay.
///
/// Uses the port of your plan (relay.toml and flags; 587 by default) with TLS always:
/// STARTTLS required, or TLS on connect on 465. Prints the relay's final reply, which
/// holds the queue id; a refusal is explained. Same credential rules as probe; since
/// TLS is always required, no credential ever travels in clear (--allow-plaintext-auth
/// has no effect here).
///
/// Exit codes: 0 accepted, 1 stopped by the relay with nothing delivered (a refusal, a
/// TLS or certificate problem, no STARTTLS, a protocol error), 3 bad input or a missing
/// credential, 4 the relay could not be resolved or reached, or timed out.
///
/// Example: relayctl send-test --from it@example.com --to you@example.com
#[derive(Debug, Args)]
pub struct SendTestArgs {
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// The port (default: relay.toml's, else 587); 465 is TLS on connect, another port
    /// states its mode: 2465/tls, 2587/starttls.
    #[arg(long, value_name = "PORT[/MODE]")]
    pub port: Option<crate::smtp::PortSpec>,
    #[command(flatten)]
    pub cred: CredentialArgs,
    /// Envelope sender and From: of the test message.
    #[arg(long, value_name = "ADDR")]
    pub from: String,
    /// Recipient (repeatable).
    #[arg(long = "to", value_name = "ADDR", required = true)]
    pub to: Vec<String>,
    /// Subject of the test message.
    #[arg(long, value_name = "TEXT")]
    pub subject: Option<String>,
    /// Print the SMTP dialogue (credentials and the message body redacted).
    #[arg(long)]
    pub transcript: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// Where and how to connect (probe, send-test).
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectArgs {
    /// Relay host (default: relay.toml's, else smtp-relay.gmail.com).
    #[arg(long, alias = "relay-host", value_name = "HOST")]
    pub host: Option<String>,
    /// Only IPv4 addresses.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Only IPv6 addresses.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// The HELO/EHLO name (default: relay.toml's, else this machine's FQDN).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Seconds to wait for each step (connect, each reply, the TLS handshake).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_timeout_arg)]
    pub timeout: std::time::Duration,
    /// A PEM file of extra trust anchors (added to the public roots).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Do not verify the server's certificate (prints a warning; for diagnosis only).
    #[arg(long)]
    pub insecure: bool,
    /// Ask this DNS server for the relay's addresses (HOST:PORT or IP).
    #[arg(long, value_name = "HOST:PORT")]
    pub nameserver: Option<String>,
    /// relay.toml to read (default: ./relay.toml when it exists).
    #[arg(long, value_name = "PATH", env = "RELAYCTL_CONFIG")]
    pub config: Option<PathBuf>,
}

/// SMTP AUTH credentials (probe, send-test). The password is never a flag.
#[derive(Debug, Args)]
#[command(next_help_heading = "Authentication")]
pub struct CredentialArgs {
    /// The Workspace user for SMTP AUTH (default: relay.toml's site.auth_user).
    #[arg(long, value_name = "USER")]
    pub auth_user: Option<String>,
    /// Read the password (or app password) from this file's first line; `-` reads stdin
    /// (not a terminal: leave the option out to be prompted). The file must be a regular
    /// file (after symlinks) that only its owner can read or write (chmod 600).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Read an OAuth 2.0 access token for XOAUTH2 from this file's first line (same rules
    /// as --password-file).
    #[arg(long, value_name = "PATH")]
    pub oauth_token_file: Option<PathBuf>,
    /// The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file).
    #[arg(long, value_enum, default_value_t = AuthMechArg::Auto, value_name = "MECH")]
    pub auth_mech: AuthMechArg,
    /// Send credentials even without TLS (they cross the network in clear).
    #[arg(long)]
    pub allow_plaintext_auth: bool,
}

/// SMTP AUTH mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMechArg {
    /// PLAIN when offered, else LOGIN (XOAUTH2 with a token).
    Auto,
    /// AUTH PLAIN (RFC 4616).
    Plain,
    /// AUTH LOGIN.
    Login,
    /// AUTH XOAUTH2 with an OAuth 2.0 access token.
    Xoauth2,
}

/// Output formats of probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormatArg {
    /// A summary table, verdicts and the recommendation.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
    /// One monitoring-plugins status line with perfdata; exit 0/1/2/3.
    Nagios,
}

/// Explain a reply of the relay: cause, fix and the fact it rests on.
///
/// Give the reply as arguments (quoted) or on stdin; multi-line replies (`550-5.7.1 ...`)
/// and flattened ones are both understood. Known Google replies are matched by text, since
/// one code can mean two things (550 5.7.1); unknown ones fall back to the meaning of the
/// enhanced status code (RFC 3463).
///
/// Example: relayctl explain "421 4.7.0 Try again later, closing connection. (EHLO)"
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The reply (several words are joined; none or `-` reads stdin).
    #[arg(value_name = "REPLY")]
    pub reply: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

fn parse_timeout_arg(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.1..=600.0).contains(&secs) {
        return Err(format!("{s} is not between 0.1 and 600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Check MTA configuration files against the relay's rules (for CI).
///
/// Reads Postfix main.cf (with master.cf and the maps beside it) or `postconf -n` output,
/// sendmail.mc, qmail control files, Debian's update-exim4.conf.conf, OpenSMTPD's
/// smtpd.conf, msmtprc, Exchange Management Shell lines and relay.toml the way the MTA
/// reads them, and reports what will go wrong with the relay: file:line:column, rule id,
/// what to do, and the fact it rests on. Directories are walked; the type comes from the
/// file name or content, or --type. With --config, findings are judged against that
/// relay.toml. `# relayctl: allow RULE` on a line (or the line above) suppresses a rule.
///
/// Exit codes: 0 nothing at the --fail-on level, 1 findings at that level, 3 a file could
/// not be read (the others are still checked), or no configuration file was found in the
/// paths (unless --allow-empty).
///
/// Example: relayctl lint /etc/postfix --config relay.toml --format sarif > relay.sarif
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to check.
    #[arg(value_name = "PATH", required_unless_present = "list_rules")]
    pub paths: Vec<PathBuf>,
    /// The kind of every file given (default: from the name, else the content).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub file_type: Option<LintTypeArg>,
    /// Judge findings against this relay.toml (the console setting and site).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormatArg::Text)]
    pub format: LintFormatArg,
    /// Exit 1 when a finding of at least this severity is found.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error, value_name = "SEVERITY")]
    pub fail_on: FailOnArg,
    /// Print the rules (id, severity, what, fix, source) and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// Exit 0 when the paths hold no configuration file relayctl recognises (default: 3,
    /// so a wrong path in CI does not pass).
    #[arg(long)]
    pub allow_empty: bool,
    /// Follow symbolic links inside the directories walked (default: links below a given
    /// directory are skipped, so the walk stays in its tree; a path given is always read).
    #[arg(short = 'L', long)]
    pub follow: bool,
}

/// File kinds `lint` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintTypeArg {
    /// main.cf (master.cf and maps beside it) or `postconf -n` output.
    Postfix,
    /// sendmail.mc (authinfo, access, mailertable beside it).
    Sendmail,
    /// smtproutes (helohost, timeoutsmtpd beside it).
    Qmail,
    /// update-exim4.conf.conf (passwd.client, localmacros, hubbed_hosts beside it).
    Exim,
    /// smtpd.conf.
    Opensmtpd,
    /// msmtprc.
    Msmtp,
    /// Exchange Management Shell lines (New-/Set-SendConnector).
    Exchange,
    /// relayctl's relay.toml.
    RelayToml,
    /// A .env file for a known relay image (boky/postfix, docker-mailserver...).
    Env,
    /// A docker-compose file running a known relay image.
    Compose,
    /// Kubernetes manifests running a known relay image (ConfigMaps beside them read).
    Kubernetes,
    /// A shell script that configures Postfix (postconf -e, a heredoc writing main.cf).
    Shell,
}

/// Output formats of lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormatArg {
    /// `file:line:col: severity: message [rule]` and the fix.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
}

/// Run a local stand-in for smtp-relay.gmail.com that enforces your console setting.
///
/// Listens on three ports playing Google's 25 (STARTTLS offered), 465 (TLS on connect) and
/// 587 (STARTTLS), answers with Google's reply texts, and applies relay.toml's [console]:
/// IP ranges, SMTP AUTH (users from --users), Require TLS, Allowed senders, HELO rules,
/// recipient and sending limits. Certificates come from a CA generated at each start
/// (DIR/ca.pem: make the MTA trust it). Prints one ready line on stdout, logs each session
/// to DIR/sessions.jsonl, stores accepted mail in DIR/maildir, and runs until SIGINT or
/// SIGTERM, then prints a summary on stderr. For tests and CI: never point real mail at it.
///
/// Exit codes: 0 stopped by SIGINT/SIGTERM, 2 usage error, 3 bad input (relay.toml,
/// --users, certificate files, state directory), 4 a port could not be bound.
///
/// Example: relayctl sim --config relay.toml --port-base 10000 --users users.txt --cert-name localhost
#[derive(Debug, Args)]
pub struct SimArgs {
    /// relay.toml whose [console] (and site.domains) sim enforces (default: ./relay.toml
    /// when it exists, else the console defaults).
    #[arg(long, value_name = "PATH", env = "RELAYCTL_CONFIG")]
    pub config: Option<PathBuf>,
    /// The address to listen on (any address is allowed; loopback by default).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: std::net::IpAddr,
    /// The three ports, in the order of the roles 25, 465 and 587 (0 picks a free one).
    #[arg(long, value_name = "P25,P465,P587", value_parser = parse_sim_ports, conflicts_with = "port_base")]
    pub ports: Option<[u16; 3]>,
    /// Listen on N+25, N+465 and N+587 (e.g. 10000: 10025, 10465, 10587).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(..=64948))]
    pub port_base: Option<u16>,
    /// SMTP AUTH users: `user:password` lines (# comments). Must be private like
    /// --password-file (chmod 600). The users are also the "registered users".
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// The name in the banner, the EHLO greeting and the certificate.
    #[arg(long, value_name = "NAME", default_value = "smtp-relay.gmail.com")]
    pub hostname: String,
    /// Another name (or IP address) for the generated certificate (repeatable).
    #[arg(long = "cert-name", value_name = "NAME")]
    pub cert_names: Vec<String>,
    /// Where ca.pem, cert.pem, key.pem, sessions.jsonl and maildir/ go.
    #[arg(long, value_name = "DIR", default_value = "relayctl-sim")]
    pub state_dir: PathBuf,
    /// Present this certificate chain (PEM) instead of one from the generated CA.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The private key (PEM) of --cert.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Treat every client as coming from ADDR (to test the IP-range policy on loopback).
    #[arg(long, value_name = "ADDR")]
    pub client_ip: Option<std::net::IpAddr>,
    /// Accept messages without storing them.
    #[arg(long)]
    pub discard: bool,
    /// Multiply the sending limits by F (e.g. 0.0001) so a test can reach them.
    #[arg(long, value_name = "F", default_value = "1", value_parser = parse_scale)]
    pub limits_scale: f64,
    /// A fault for tests (repeatable): drop-starttls, self-signed, wrong-name, delay=MS,
    /// refuse=STAGE:REPLY (STAGE: connect, helo, starttls, auth, mail, rcpt, data).
    #[arg(long = "fault", value_name = "FAULT", value_parser = parse_fault)]
    pub faults: Vec<SimFault>,
    /// The most sessions at once; more get 421 and are closed.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,
    /// Seconds to wait for each line from a client before 421 and closing.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_timeout_arg)]
    pub timeout: std::time::Duration,
    /// Output format of the ready line.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// A `--fault` of `relayctl sim`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimFault {
    /// STARTTLS neither offered nor accepted.
    DropStartTls,
    /// A self-signed certificate instead of one from the CA.
    SelfSigned,
    /// A certificate for another name.
    WrongName,
    /// Every reply this late.
    Delay(std::time::Duration),
    /// This reply at this stage (the stage name, the reply).
    Refuse(String, String),
}

const SIM_STAGES: [&str; 7] = [
    "connect", "helo", "starttls", "auth", "mail", "rcpt", "data",
];

fn parse_fault(s: &str) -> Result<SimFault, String> {
    match s {
        "drop-starttls" => return Ok(SimFault::DropStartTls),
        "self-signed" => return Ok(SimFault::SelfSigned),
        "wrong-name" => return Ok(SimFault::WrongName),
        _ => {}
    }
    if let Some(ms) = s.strip_prefix("delay=") {
        let ms: u64 = ms
            .parse()
            .ok()
            .filter(|m| *m <= 600_000)
            .ok_or_else(|| format!("delay={ms}: expected milliseconds, 0 to 600000"))?;
        return Ok(SimFault::Delay(std::time::Duration::from_millis(ms)));
    }
    if let Some(rest) = s.strip_prefix("refuse=") {
        let (stage, reply) = rest.split_once(':').ok_or_else(|| {
            format!("{s}: expected refuse=STAGE:REPLY, e.g. refuse=rcpt:451 4.3.0 try later")
        })?;
        let stage = stage.to_ascii_lowercase();
        if !SIM_STAGES.contains(&stage.as_str()) {
            return Err(format!(
                "{stage:?} is not a stage ({})",
                SIM_STAGES.join(", ")
            ));
        }
        let code_ok = reply.len() >= 3
            && reply.as_bytes()[..3].iter().all(u8::is_ascii_digit)
            && matches!(reply.as_bytes()[0], b'4' | b'5')
            && reply.as_bytes().get(3).is_none_or(|b| *b == b' ');
        if !code_ok || reply.contains(['\r', '\n']) {
            return Err(format!(
                "{reply:?} is not a one-line 4xx or 5xx reply, e.g. \"451 4.3.0 try later\""
            ));
        }
        return Ok(SimFault::Refuse(stage, reply.to_owned()));
    }
    Err(format!(
        "{s:?} is not a fault (drop-starttls, self-signed, wrong-name, delay=MS, refuse=STAGE:REPLY)"
    ))
}

fn parse_sim_ports(s: &str) -> Result<[u16; 3], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let ports: Vec<u16> = parts
        .iter()
        .map(|p| {
            p.parse::<u16>()
                .map_err(|_| format!("{p:?} is not a port (0-65535)"))
        })
        .collect::<Result<_, _>>()?;
    match ports.as_slice() {
        [a, b, c] => Ok([*a, *b, *c]),
        _ => Err(format!(
            "{s:?}: expected three ports for the roles 25, 465 and 587, e.g. 2525,2465,2587"
        )),
    }
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1000.0 => Ok(f),
        _ => Err(format!("{s:?} is not a factor above 0 and at most 1000")),
    }
}

/// Print a shell completion script.
///
/// Example: relayctl completions bash > /etc/bash_completion.d/relayctl
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

/// Write the man pages (relayctl.1 and one per subcommand) into a directory.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write into.
    #[arg(long, value_name = "DIR", default_value = "man")]
    pub out_dir: PathBuf,
}

/// `gen` targets: gen's own names (`gen::Target`), so the list lives in one place.
fn target_parser() -> impl TypedValueParser<Value = Target> {
    PossibleValuesParser::new(Target::ALL.map(Target::name))
        .try_map(|name: String| Target::from_name(&name).ok_or("not a target"))
}

/// Exchange editions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    #[value(name = "2000")]
    E2000,
    #[value(name = "2003")]
    E2003,
    #[value(name = "2007")]
    E2007,
    #[value(name = "2010")]
    E2010,
    #[value(name = "2013")]
    E2013,
    #[value(name = "2016")]
    E2016,
    #[value(name = "2019")]
    E2019,
}

/// Output forms of `gen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormArg {
    /// Configuration file lines.
    Config,
    /// Shell commands (postconf -e, Exchange Management Shell).
    Commands,
    /// Numbered GUI steps.
    Steps,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Paste-ready text.
    Text,
    /// One JSON document (see docs/json.md).
    Json,
}

/// Console "Allowed senders".
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AllowedSendersArg {
    /// Only registered Apps users in my domains.
    RegisteredUsers,
    /// Only addresses in my domains.
    DomainAddresses,
    /// Any addresses (not recommended).
    AnyAddresses,
}

/// Console "Authentication".
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Only accept mail from the specified IP addresses.
    Ip,
    /// Require SMTP Authentication.
    SmtpAuth,
    /// Both.
    Both,
}

/// Client TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsArg {
    /// Encrypt or do not send.
    Required,
    /// Encrypt when STARTTLS is offered.
    Opportunistic,
    /// Never encrypt.
    None,
}

/// Shells for completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
