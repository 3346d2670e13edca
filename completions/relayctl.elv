
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
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented relay.toml describing your relay setting'
            cand gen 'Write the configuration for your MTA that matches your relay setting'
            cand check 'Check the console''s IP ranges or this server''s HELO name'
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
            cand --force 'Overwrite an existing file'
            cand --require-tls 'Console "Require TLS encryption" is ticked (the default)'
            cand --no-require-tls 'Console "Require TLS encryption" is not ticked'
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
            cand --edge 'Exchange: an Edge Transport server sends to the Internet'
            cand --force 'Write output even for a plan the MTA cannot fully meet (qmail without TLS)'
            cand --require-tls 'Console "Require TLS encryption" is ticked (the default)'
            cand --no-require-tls 'Console "Require TLS encryption" is not ticked'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;check'= {
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
            cand --canonical 'Print the canonical list (valid ranges, split and merged, ready to paste into the console) on stdout, and the findings on stderr. Text format only: JSON always holds it'
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
        &'relayctl;completions'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'relayctl;man'= {
            cand --out-dir 'The directory to write into'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'relayctl;help'= {
            cand init 'Write a commented relay.toml describing your relay setting'
            cand gen 'Write the configuration for your MTA that matches your relay setting'
            cand check 'Check the console''s IP ranges or this server''s HELO name'
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
        &'relayctl;help;completions'= {
        }
        &'relayctl;help;man'= {
        }
        &'relayctl;help;help'= {
        }
    ]
    $completions[$command]
}
