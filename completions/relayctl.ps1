
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'relayctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'relayctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'relayctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented relay.toml describing your relay setting')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Write the configuration for your MTA that matches your relay setting')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the console''s IP ranges or this server''s HELO name')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong')
            [CompletionResult]::new('send-test', 'send-test', [CompletionResultType]::ParameterValue, 'Send one real test message through the relay')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a reply of the relay: cause, fix and the fact it rests on')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check MTA configuration files against the relay''s rules (for CI)')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (relayctl.1 and one per subcommand) into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'relayctl;init' {
            [CompletionResult]::new('--mta', '--mta', [CompletionResultType]::ParameterName, 'The default target of `gen`')
            [CompletionResult]::new('--allowed-senders', '--allowed-senders', [CompletionResultType]::ParameterName, 'Console "Allowed senders"')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Console "Authentication"')
            [CompletionResult]::new('--range', '--range', [CompletionResultType]::ParameterName, 'A range of the console''s IP address list (repeatable; replaces relay.toml''s ranges)')
            [CompletionResult]::new('--helo', '--helo', [CompletionResultType]::ParameterName, 'The name this server presents in HELO/EHLO (default: the machine''s FQDN)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'One of your Workspace domains (repeatable)')
            [CompletionResult]::new('--internal-domain', '--internal-domain', [CompletionResultType]::ParameterName, 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)')
            [CompletionResult]::new('--relay-host', '--relay-host', [CompletionResultType]::ParameterName, 'Relay host')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Client TLS: required (default), opportunistic, none')
            [CompletionResult]::new('--auth-user', '--auth-user', [CompletionResultType]::ParameterName, 'The Workspace user for SMTP AUTH (the password is never a flag)')
            [CompletionResult]::new('--licences', '--licences', [CompletionResultType]::ParameterName, 'Number of user licences')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file (a regular file only, which keeps its permission mode)')
            [CompletionResult]::new('--require-tls', '--require-tls', [CompletionResultType]::ParameterName, 'Console "Require TLS encryption" is ticked (the default)')
            [CompletionResult]::new('--no-require-tls', '--no-require-tls', [CompletionResultType]::ParameterName, 'Console "Require TLS encryption" is not ticked')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;gen' {
            [CompletionResult]::new('--edition', '--edition', [CompletionResultType]::ParameterName, 'Exchange edition')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Output form, for targets that have several (postfix: config or commands; exchange 2007+: steps or commands)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'relay.toml to read (default: ./relay.toml when it exists)')
            [CompletionResult]::new('--allowed-senders', '--allowed-senders', [CompletionResultType]::ParameterName, 'Console "Allowed senders"')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Console "Authentication"')
            [CompletionResult]::new('--range', '--range', [CompletionResultType]::ParameterName, 'A range of the console''s IP address list (repeatable; replaces relay.toml''s ranges)')
            [CompletionResult]::new('--helo', '--helo', [CompletionResultType]::ParameterName, 'The name this server presents in HELO/EHLO (default: the machine''s FQDN)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'One of your Workspace domains (repeatable)')
            [CompletionResult]::new('--internal-domain', '--internal-domain', [CompletionResultType]::ParameterName, 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)')
            [CompletionResult]::new('--relay-host', '--relay-host', [CompletionResultType]::ParameterName, 'Relay host')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Client TLS: required (default), opportunistic, none')
            [CompletionResult]::new('--auth-user', '--auth-user', [CompletionResultType]::ParameterName, 'The Workspace user for SMTP AUTH (the password is never a flag)')
            [CompletionResult]::new('--licences', '--licences', [CompletionResultType]::ParameterName, 'Number of user licences')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('--edge', '--edge', [CompletionResultType]::ParameterName, 'Exchange: an Edge Transport server sends to the Internet')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write output even for a plan the MTA cannot fully meet (qmail without TLS)')
            [CompletionResult]::new('--require-tls', '--require-tls', [CompletionResultType]::ParameterName, 'Console "Require TLS encryption" is ticked (the default)')
            [CompletionResult]::new('--no-require-tls', '--no-require-tls', [CompletionResultType]::ParameterName, 'Console "Require TLS encryption" is not ticked')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;check' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('cidr', 'cidr', [CompletionResultType]::ParameterValue, 'Validate IP ranges for the Admin console''s SMTP relay setting')
            [CompletionResult]::new('helo', 'helo', [CompletionResultType]::ParameterValue, 'Check the name this server presents in HELO/EHLO, with DNS evidence')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'relayctl;check;cidr' {
            [CompletionResult]::new('--range', '--range', [CompletionResultType]::ParameterName, 'A range to check (repeatable)')
            [CompletionResult]::new('--from-config', '--from-config', [CompletionResultType]::ParameterName, 'Check the ranges of this relay.toml')
            [CompletionResult]::new('--ipv6-egress', '--ipv6-egress', [CompletionResultType]::ParameterName, 'Whether the relaying host has IPv6 egress (auto: read this host''s routes)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding of at least this severity is found')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('--canonical', '--canonical', [CompletionResultType]::ParameterName, 'Print the canonical list (valid ranges, split and merged, ready to paste into the console) on stdout, and the findings on stderr. Text format only: JSON always holds it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;check;helo' {
            [CompletionResult]::new('--ip', '--ip', [CompletionResultType]::ParameterName, 'The server''s public address, for forward-confirmed reverse DNS')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'One of your Workspace domains (repeatable)')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system''s (HOST:PORT or IP; port 53 by default)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each DNS answer')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding of at least this severity is found')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;check;help' {
            [CompletionResult]::new('cidr', 'cidr', [CompletionResultType]::ParameterValue, 'Validate IP ranges for the Admin console''s SMTP relay setting')
            [CompletionResult]::new('helo', 'helo', [CompletionResultType]::ParameterValue, 'Check the name this server presents in HELO/EHLO, with DNS evidence')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'relayctl;check;help;cidr' {
            break
        }
        'relayctl;check;help;helo' {
            break
        }
        'relayctl;check;help;help' {
            break
        }
        'relayctl;probe' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Relay host (default: relay.toml''s, else smtp-relay.gmail.com)')
            [CompletionResult]::new('--helo', '--helo', [CompletionResultType]::ParameterName, 'The HELO/EHLO name (default: relay.toml''s, else this machine''s FQDN)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each step (connect, each reply, the TLS handshake)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'A PEM file of extra trust anchors (added to the public roots)')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server for the relay''s addresses (HOST:PORT or IP)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'relay.toml to read (default: ./relay.toml when it exists)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A port to probe (repeatable; default: 25, 465 and 587). 465 is TLS on connect, others STARTTLS; another port states its mode: 2465/tls, 2587/starttls')
            [CompletionResult]::new('--auth-user', '--auth-user', [CompletionResultType]::ParameterName, 'The Workspace user for SMTP AUTH (default: relay.toml''s site.auth_user)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password (or app password) from this file''s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)')
            [CompletionResult]::new('--oauth-token-file', '--oauth-token-file', [CompletionResultType]::ParameterName, 'Read an OAuth 2.0 access token for XOAUTH2 from this file''s first line (same rules as --password-file)')
            [CompletionResult]::new('--auth-mech', '--auth-mech', [CompletionResultType]::ParameterName, 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)')
            [CompletionResult]::new('--mail-from', '--mail-from', [CompletionResultType]::ParameterName, 'Envelope test: MAIL FROM this address (then RSET; nothing is sent)')
            [CompletionResult]::new('--rcpt', '--rcpt', [CompletionResultType]::ParameterName, 'Envelope test: RCPT TO this address (repeatable)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4 addresses')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Only IPv4 addresses')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6 addresses')
            [CompletionResult]::new('--ipv6', '--ipv6', [CompletionResultType]::ParameterName, 'Only IPv6 addresses')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning; for diagnosis only)')
            [CompletionResult]::new('--allow-plaintext-auth', '--allow-plaintext-auth', [CompletionResultType]::ParameterName, 'Send credentials even without TLS (they cross the network in clear)')
            [CompletionResult]::new('--transcript', '--transcript', [CompletionResultType]::ParameterName, 'Print the SMTP dialogue of every connection (AUTH redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;send-test' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Relay host (default: relay.toml''s, else smtp-relay.gmail.com)')
            [CompletionResult]::new('--helo', '--helo', [CompletionResultType]::ParameterName, 'The HELO/EHLO name (default: relay.toml''s, else this machine''s FQDN)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each step (connect, each reply, the TLS handshake)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'A PEM file of extra trust anchors (added to the public roots)')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server for the relay''s addresses (HOST:PORT or IP)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'relay.toml to read (default: ./relay.toml when it exists)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port (default: relay.toml''s, else 587); 465 is TLS on connect, another port states its mode: 2465/tls, 2587/starttls')
            [CompletionResult]::new('--auth-user', '--auth-user', [CompletionResultType]::ParameterName, 'The Workspace user for SMTP AUTH (default: relay.toml''s site.auth_user)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password (or app password) from this file''s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)')
            [CompletionResult]::new('--oauth-token-file', '--oauth-token-file', [CompletionResultType]::ParameterName, 'Read an OAuth 2.0 access token for XOAUTH2 from this file''s first line (same rules as --password-file)')
            [CompletionResult]::new('--auth-mech', '--auth-mech', [CompletionResultType]::ParameterName, 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Envelope sender and From: of the test message')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Recipient (repeatable)')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject of the test message')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4 addresses')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Only IPv4 addresses')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6 addresses')
            [CompletionResult]::new('--ipv6', '--ipv6', [CompletionResultType]::ParameterName, 'Only IPv6 addresses')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s certificate (prints a warning; for diagnosis only)')
            [CompletionResult]::new('--allow-plaintext-auth', '--allow-plaintext-auth', [CompletionResultType]::ParameterName, 'Send credentials even without TLS (they cross the network in clear)')
            [CompletionResult]::new('--transcript', '--transcript', [CompletionResultType]::ParameterName, 'Print the SMTP dialogue (credentials and the message body redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;lint' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'The kind of every file given (default: from the name, else the content)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Judge findings against this relay.toml (the console setting and site)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding of at least this severity is found')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'Print the rules (id, severity, what, fix, source) and exit')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Exit 0 when the paths hold no configuration file relayctl recognises (default: 3, so a wrong path in CI does not pass)')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow symbolic links inside the directories walked (default: links below a given directory are skipped, so the walk stays in its tree; a path given is always read)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow symbolic links inside the directories walked (default: links below a given directory are skipped, so the walk stays in its tree; a path given is always read)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;sim' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'relay.toml whose [console] (and site.domains) sim enforces (default: ./relay.toml when it exists, else the console defaults)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on (any address is allowed; loopback by default)')
            [CompletionResult]::new('--ports', '--ports', [CompletionResultType]::ParameterName, 'The three ports, in the order of the roles 25, 465 and 587 (0 picks a free one)')
            [CompletionResult]::new('--port-base', '--port-base', [CompletionResultType]::ParameterName, 'Listen on N+25, N+465 and N+587 (e.g. 10000: 10025, 10465, 10587)')
            [CompletionResult]::new('--users', '--users', [CompletionResultType]::ParameterName, 'SMTP AUTH users: `user:password` lines (# comments). Must be private like --password-file (chmod 600). The users are also the "registered users"')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The name in the banner, the EHLO greeting and the certificate')
            [CompletionResult]::new('--cert-name', '--cert-name', [CompletionResultType]::ParameterName, 'Another name (or IP address) for the generated certificate (repeatable)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where ca.pem, cert.pem, key.pem, sessions.jsonl and maildir/ go')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Present this certificate chain (PEM) instead of one from the generated CA')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --cert')
            [CompletionResult]::new('--client-ip', '--client-ip', [CompletionResultType]::ParameterName, 'Treat every client as coming from ADDR (to test the IP-range policy on loopback)')
            [CompletionResult]::new('--limits-scale', '--limits-scale', [CompletionResultType]::ParameterName, 'Multiply the sending limits by F (e.g. 0.0001) so a test can reach them')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'A fault for tests (repeatable): drop-starttls, self-signed, wrong-name, delay=MS, refuse=STAGE:REPLY (STAGE: connect, helo, starttls, auth, mail, rcpt, data)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'The most sessions at once; more get 421 and are closed')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each line from a client before 421 and closing')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the ready line')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('--discard', '--discard', [CompletionResultType]::ParameterName, 'Accept messages without storing them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'The directory to write into')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'relayctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented relay.toml describing your relay setting')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Write the configuration for your MTA that matches your relay setting')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the console''s IP ranges or this server''s HELO name')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong')
            [CompletionResult]::new('send-test', 'send-test', [CompletionResultType]::ParameterValue, 'Send one real test message through the relay')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a reply of the relay: cause, fix and the fact it rests on')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check MTA configuration files against the relay''s rules (for CI)')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (relayctl.1 and one per subcommand) into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'relayctl;help;init' {
            break
        }
        'relayctl;help;gen' {
            break
        }
        'relayctl;help;check' {
            [CompletionResult]::new('cidr', 'cidr', [CompletionResultType]::ParameterValue, 'Validate IP ranges for the Admin console''s SMTP relay setting')
            [CompletionResult]::new('helo', 'helo', [CompletionResultType]::ParameterValue, 'Check the name this server presents in HELO/EHLO, with DNS evidence')
            break
        }
        'relayctl;help;check;cidr' {
            break
        }
        'relayctl;help;check;helo' {
            break
        }
        'relayctl;help;probe' {
            break
        }
        'relayctl;help;send-test' {
            break
        }
        'relayctl;help;explain' {
            break
        }
        'relayctl;help;lint' {
            break
        }
        'relayctl;help;sim' {
            break
        }
        'relayctl;help;completions' {
            break
        }
        'relayctl;help;man' {
            break
        }
        'relayctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
