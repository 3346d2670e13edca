
use builtin;
use str;

set edit:completion:arg-completer[relayctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'relayctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'relayctl'= {
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented relay.toml describing your relay setting'
            cand gen 'Write the configuration for your MTA that matches your relay setting'
            cand check 'Check the console''s IP ranges or this server''s HELO name'
            cand probe 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong'
            cand send-test 'Send one real test message through the relay'
            cand explain 'Explain a reply of the relay: cause, fix and the fact it rests on'
            cand lint 'Check MTA configuration files against the relay''s rules (for CI)'
            cand sim 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting'
            cand completions 'Print a shell completion script'
            cand man 'Write the man pages (relayctl.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'relayctl;init'= {
            cand --mta 'The default target of `gen`'
            cand --allowed-senders 'Console "Allowed senders"'
            cand --auth 'Console "Authentication"'
            cand --range 'A range of the console''s IP address list (repeatable; replaces relay.toml''s ranges)'
            cand --helo 'The name this server presents in HELO/EHLO (default: the machine''s FQDN)'
            cand --domain 'One of your Workspace domains (repeatable)'
            cand --internal-domain 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)'
            cand --relay-host 'Relay host'
            cand --port 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25'
            cand --tls 'Client TLS: required (default), opportunistic, none'
            cand --auth-user 'The Workspace user for SMTP AUTH (the password is never a flag)'
            cand --licences 'Number of user licences'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand --force 'Overwrite an existing file (a regular file only, which keeps its permission mode)'
            cand --require-tls 'Console "Require TLS encryption" is ticked (the default)'
            cand --no-require-tls 'Console "Require TLS encryption" is not ticked'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;gen'= {
            cand --edition 'Exchange edition'
            cand --as 'Output form, for targets that have several (postfix: config or commands; exchange 2007+: steps or commands)'
            cand --format 'Output format'
            cand --config 'relay.toml to read (default: ./relay.toml when it exists)'
            cand --allowed-senders 'Console "Allowed senders"'
            cand --auth 'Console "Authentication"'
            cand --range 'A range of the console''s IP address list (repeatable; replaces relay.toml''s ranges)'
            cand --helo 'The name this server presents in HELO/EHLO (default: the machine''s FQDN)'
            cand --domain 'One of your Workspace domains (repeatable)'
            cand --internal-domain 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)'
            cand --relay-host 'Relay host'
            cand --port 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25'
            cand --tls 'Client TLS: required (default), opportunistic, none'
            cand --auth-user 'The Workspace user for SMTP AUTH (the password is never a flag)'
            cand --licences 'Number of user licences'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand --edge 'Exchange: an Edge Transport server sends to the Internet'
            cand --force 'Write output even for a plan the MTA cannot fully meet (qmail without TLS)'
            cand --require-tls 'Console "Require TLS encryption" is ticked (the default)'
            cand --no-require-tls 'Console "Require TLS encryption" is not ticked'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;check'= {
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand cidr 'Validate IP ranges for the Admin console''s SMTP relay setting'
            cand helo 'Check the name this server presents in HELO/EHLO, with DNS evidence'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'relayctl;check;cidr'= {
            cand --range 'A range to check (repeatable)'
            cand --from-config 'Check the ranges of this relay.toml'
            cand --ipv6-egress 'Whether the relaying host has IPv6 egress (auto: read this host''s routes)'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding of at least this severity is found'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand --canonical 'Print the canonical list (valid ranges, split and merged, ready to paste into the console) on stdout, and the findings on stderr. Text format only: JSON always holds it'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;check;helo'= {
            cand --ip 'The server''s public address, for forward-confirmed reverse DNS'
            cand --domain 'One of your Workspace domains (repeatable)'
            cand --nameserver 'Ask this DNS server instead of the system''s (HOST:PORT or IP; port 53 by default)'
            cand --timeout 'Seconds to wait for each DNS answer'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding of at least this severity is found'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;check;help'= {
            cand cidr 'Validate IP ranges for the Admin console''s SMTP relay setting'
            cand helo 'Check the name this server presents in HELO/EHLO, with DNS evidence'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'relayctl;check;help;cidr'= {
        }
        &'relayctl;check;help;helo'= {
        }
        &'relayctl;check;help;help'= {
        }
        &'relayctl;probe'= {
            cand --host 'Relay host (default: relay.toml''s, else smtp-relay.gmail.com)'
            cand --helo 'The HELO/EHLO name (default: relay.toml''s, else this machine''s FQDN)'
            cand --timeout 'Seconds to wait for each step (connect, each reply, the TLS handshake)'
            cand --ca-file 'A PEM file of extra trust anchors (added to the public roots)'
            cand --nameserver 'Ask this DNS server for the relay''s addresses (HOST:PORT or IP)'
            cand --config 'relay.toml to read (default: ./relay.toml when it exists)'
            cand --port 'A port to probe (repeatable; default: 25, 465 and 587). 465 is TLS on connect, others STARTTLS; another port states its mode: 2465/tls, 2587/starttls'
            cand --auth-user 'The Workspace user for SMTP AUTH (default: relay.toml''s site.auth_user)'
            cand --password-file 'Read the password (or app password) from this file''s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)'
            cand --oauth-token-file 'Read an OAuth 2.0 access token for XOAUTH2 from this file''s first line (same rules as --password-file)'
            cand --auth-mech 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)'
            cand --mail-from 'Envelope test: MAIL FROM this address (then RSET; nothing is sent)'
            cand --rcpt 'Envelope test: RCPT TO this address (repeatable)'
            cand --format 'Output format'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -4 'Only IPv4 addresses'
            cand --ipv4 'Only IPv4 addresses'
            cand -6 'Only IPv6 addresses'
            cand --ipv6 'Only IPv6 addresses'
            cand --insecure 'Do not verify the server''s certificate (prints a warning; for diagnosis only)'
            cand --allow-plaintext-auth 'Send credentials even without TLS (they cross the network in clear)'
            cand --transcript 'Print the SMTP dialogue of every connection (AUTH redacted)'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;send-test'= {
            cand --host 'Relay host (default: relay.toml''s, else smtp-relay.gmail.com)'
            cand --helo 'The HELO/EHLO name (default: relay.toml''s, else this machine''s FQDN)'
            cand --timeout 'Seconds to wait for each step (connect, each reply, the TLS handshake)'
            cand --ca-file 'A PEM file of extra trust anchors (added to the public roots)'
            cand --nameserver 'Ask this DNS server for the relay''s addresses (HOST:PORT or IP)'
            cand --config 'relay.toml to read (default: ./relay.toml when it exists)'
            cand --port 'The port (default: relay.toml''s, else 587); 465 is TLS on connect, another port states its mode: 2465/tls, 2587/starttls'
            cand --auth-user 'The Workspace user for SMTP AUTH (default: relay.toml''s site.auth_user)'
            cand --password-file 'Read the password (or app password) from this file''s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)'
            cand --oauth-token-file 'Read an OAuth 2.0 access token for XOAUTH2 from this file''s first line (same rules as --password-file)'
            cand --auth-mech 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)'
            cand --from 'Envelope sender and From: of the test message'
            cand --to 'Recipient (repeatable)'
            cand --subject 'Subject of the test message'
            cand --format 'Output format'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -4 'Only IPv4 addresses'
            cand --ipv4 'Only IPv4 addresses'
            cand -6 'Only IPv6 addresses'
            cand --ipv6 'Only IPv6 addresses'
            cand --insecure 'Do not verify the server''s certificate (prints a warning; for diagnosis only)'
            cand --allow-plaintext-auth 'Send credentials even without TLS (they cross the network in clear)'
            cand --transcript 'Print the SMTP dialogue (credentials and the message body redacted)'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;explain'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;lint'= {
            cand --type 'The kind of every file given (default: from the name, else the content)'
            cand --config 'Judge findings against this relay.toml (the console setting and site)'
            cand --format 'Output format'
            cand --fail-on 'Exit 1 when a finding of at least this severity is found'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand --list-rules 'Print the rules (id, severity, what, fix, source) and exit'
            cand --allow-empty 'Exit 0 when the paths hold no configuration file relayctl recognises (default: 3, so a wrong path in CI does not pass)'
            cand -L 'Follow symbolic links inside the directories walked (default: links below a given directory are skipped, so the walk stays in its tree; a path given is always read)'
            cand --follow 'Follow symbolic links inside the directories walked (default: links below a given directory are skipped, so the walk stays in its tree; a path given is always read)'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;sim'= {
            cand --config 'relay.toml whose [console] (and site.domains) sim enforces (default: ./relay.toml when it exists, else the console defaults)'
            cand --listen 'The address to listen on (any address is allowed; loopback by default)'
            cand --ports 'The three ports, in the order of the roles 25, 465 and 587 (0 picks a free one)'
            cand --port-base 'Listen on N+25, N+465 and N+587 (e.g. 10000: 10025, 10465, 10587)'
            cand --users 'SMTP AUTH users: `user:password` lines (# comments). Must be private like --password-file (chmod 600). The users are also the "registered users"'
            cand --hostname 'The name in the banner, the EHLO greeting and the certificate'
            cand --cert-name 'Another name (or IP address) for the generated certificate (repeatable)'
            cand --state-dir 'Where ca.pem, cert.pem, key.pem, sessions.jsonl and maildir/ go'
            cand --cert 'Present this certificate chain (PEM) instead of one from the generated CA'
            cand --key 'The private key (PEM) of --cert'
            cand --client-ip 'Treat every client as coming from ADDR (to test the IP-range policy on loopback)'
            cand --limits-scale 'Multiply the sending limits by F (e.g. 0.0001) so a test can reach them'
            cand --fault 'A fault for tests (repeatable): drop-starttls, self-signed, wrong-name, delay=MS, refuse=STAGE:REPLY (STAGE: connect, helo, starttls, auth, mail, rcpt, data)'
            cand --max-connections 'The most sessions at once; more get 421 and are closed'
            cand --timeout 'Seconds to wait for each line from a client before 421 and closing'
            cand --format 'Output format of the ready line'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand --discard 'Accept messages without storing them'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;completions'= {
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;man'= {
            cand --out-dir 'The directory to write into'
            cand --color 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never'
            cand -q 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand --quiet 'Quiet, for scripts: nothing on stderr but a failure''s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;help'= {
            cand init 'Write a commented relay.toml describing your relay setting'
            cand gen 'Write the configuration for your MTA that matches your relay setting'
            cand check 'Check the console''s IP ranges or this server''s HELO name'
            cand probe 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong'
            cand send-test 'Send one real test message through the relay'
            cand explain 'Explain a reply of the relay: cause, fix and the fact it rests on'
            cand lint 'Check MTA configuration files against the relay''s rules (for CI)'
            cand sim 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting'
            cand completions 'Print a shell completion script'
            cand man 'Write the man pages (relayctl.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'relayctl;help;init'= {
        }
        &'relayctl;help;gen'= {
        }
        &'relayctl;help;check'= {
            cand cidr 'Validate IP ranges for the Admin console''s SMTP relay setting'
            cand helo 'Check the name this server presents in HELO/EHLO, with DNS evidence'
        }
        &'relayctl;help;check;cidr'= {
        }
        &'relayctl;help;check;helo'= {
        }
        &'relayctl;help;probe'= {
        }
        &'relayctl;help;send-test'= {
        }
        &'relayctl;help;explain'= {
        }
        &'relayctl;help;lint'= {
        }
        &'relayctl;help;sim'= {
        }
        &'relayctl;help;completions'= {
        }
        &'relayctl;help;man'= {
        }
        &'relayctl;help;help'= {
        }
    ]
    $completions[$command]
}
