# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_relayctl_global_optspecs
    string join \n color= q/quiet h/help V/version
end

function __fish_relayctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_relayctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_relayctl_using_subcommand
    set -l cmd (__fish_relayctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c relayctl -n "__fish_relayctl_needs_command" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_needs_command" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_needs_command" -s V -l version -d 'Print version'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "init" -d 'Write a commented relay.toml describing your relay setting'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "gen" -d 'Write the configuration for your MTA that matches your relay setting'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "check" -d 'Check the console\'s IP ranges or this server\'s HELO name'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "probe" -d 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "send-test" -d 'Send one real test message through the relay'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "explain" -d 'Explain a reply of the relay: cause, fix and the fact it rests on'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "lint" -d 'Check MTA configuration files against the relay\'s rules (for CI)'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "sim" -d 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "man" -d 'Write the man pages (relayctl.1 and one per subcommand) into a directory'
complete -c relayctl -n "__fish_relayctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l mta -d 'The default target of `gen`' -r -f -a "postfix\t''
sendmail\t''
qmail\t''
exchange\t''
domino\t''
groupwise\t''
macos\t''
exim\t''
opensmtpd\t''
msmtp\t''
console\t''"
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l allowed-senders -d 'Console "Allowed senders"' -r -f -a "registered-users\t'Only registered Apps users in my domains'
domain-addresses\t'Only addresses in my domains'
any-addresses\t'Any addresses (not recommended)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l auth -d 'Console "Authentication"' -r -f -a "ip\t'Only accept mail from the specified IP addresses'
smtp-auth\t'Require SMTP Authentication'
both\t'Both'"
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l range -d 'A range of the console\'s IP address list (repeatable; replaces relay.toml\'s ranges)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l helo -d 'The name this server presents in HELO/EHLO (default: the machine\'s FQDN)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l domain -d 'One of your Workspace domains (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l internal-domain -d 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l relay-host -d 'Relay host' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l port -d 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l tls -d 'Client TLS: required (default), opportunistic, none' -r -f -a "required\t'Encrypt or do not send'
opportunistic\t'Encrypt when STARTTLS is offered'
none\t'Never encrypt'"
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l auth-user -d 'The Workspace user for SMTP AUTH (the password is never a flag)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l licences -d 'Number of user licences' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l force -d 'Overwrite an existing file (a regular file only, which keeps its permission mode)'
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l require-tls -d 'Console "Require TLS encryption" is ticked (the default)'
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -l no-require-tls -d 'Console "Require TLS encryption" is not ticked'
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l edition -d 'Exchange edition' -r -f -a "2000\t''
2003\t''
2007\t''
2010\t''
2013\t''
2016\t''
2019\t''"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l as -d 'Output form, for targets that have several (postfix: config or commands; exchange 2007+: steps or commands)' -r -f -a "config\t'Configuration file lines'
commands\t'Shell commands (postconf -e, Exchange Management Shell)'
steps\t'Numbered GUI steps'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l format -d 'Output format' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l config -d 'relay.toml to read (default: ./relay.toml when it exists)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l allowed-senders -d 'Console "Allowed senders"' -r -f -a "registered-users\t'Only registered Apps users in my domains'
domain-addresses\t'Only addresses in my domains'
any-addresses\t'Any addresses (not recommended)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l auth -d 'Console "Authentication"' -r -f -a "ip\t'Only accept mail from the specified IP addresses'
smtp-auth\t'Require SMTP Authentication'
both\t'Both'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l range -d 'A range of the console\'s IP address list (repeatable; replaces relay.toml\'s ranges)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l helo -d 'The name this server presents in HELO/EHLO (default: the machine\'s FQDN)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l domain -d 'One of your Workspace domains (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l internal-domain -d 'A domain that must not go to Google, optionally =HOST to send it to (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l relay-host -d 'Relay host' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l port -d 'Port: 587 (STARTTLS, default), 465 (TLS on connect) or 25' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l tls -d 'Client TLS: required (default), opportunistic, none' -r -f -a "required\t'Encrypt or do not send'
opportunistic\t'Encrypt when STARTTLS is offered'
none\t'Never encrypt'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l auth-user -d 'The Workspace user for SMTP AUTH (the password is never a flag)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l licences -d 'Number of user licences' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l edge -d 'Exchange: an Edge Transport server sends to the Internet'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l force -d 'Write output even for a plan the MTA cannot fully meet (qmail without TLS)'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l require-tls -d 'Console "Require TLS encryption" is ticked (the default)'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -l no-require-tls -d 'Console "Require TLS encryption" is not ticked'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -f -a "cidr" -d 'Validate IP ranges for the Admin console\'s SMTP relay setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -f -a "helo" -d 'Check the name this server presents in HELO/EHLO, with DNS evidence'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and not __fish_seen_subcommand_from cidr helo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l range -d 'A range to check (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l from-config -d 'Check the ranges of this relay.toml' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l ipv6-egress -d 'Whether the relaying host has IPv6 egress (auto: read this host\'s routes)' -r -f -a "auto\t'Look at this host\'s IPv6 default route and addresses (/proc; no packet is sent)'
yes\t'The relaying host sends over IPv6 (run the check elsewhere for it)'
no\t'The relaying host has no IPv6 egress, or it is forced to IPv4'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l format -d 'Output format' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l fail-on -d 'Exit 1 when a finding of at least this severity is found' -r -f -a "error\t'Exit 1 when there is an error'
warning\t'Exit 1 when there is a warning or an error'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -l canonical -d 'Print the canonical list (valid ranges, split and merged, ready to paste into the console) on stdout, and the findings on stderr. Text format only: JSON always holds it'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from cidr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l ip -d 'The server\'s public address, for forward-confirmed reverse DNS' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l domain -d 'One of your Workspace domains (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l nameserver -d 'Ask this DNS server instead of the system\'s (HOST:PORT or IP; port 53 by default)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l timeout -d 'Seconds to wait for each DNS answer' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l format -d 'Output format' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l fail-on -d 'Exit 1 when a finding of at least this severity is found' -r -f -a "error\t'Exit 1 when there is an error'
warning\t'Exit 1 when there is a warning or an error'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from helo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "cidr" -d 'Validate IP ranges for the Admin console\'s SMTP relay setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "helo" -d 'Check the name this server presents in HELO/EHLO, with DNS evidence'
complete -c relayctl -n "__fish_relayctl_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l host -d 'Relay host (default: relay.toml\'s, else smtp-relay.gmail.com)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l helo -d 'The HELO/EHLO name (default: relay.toml\'s, else this machine\'s FQDN)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l timeout -d 'Seconds to wait for each step (connect, each reply, the TLS handshake)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l ca-file -d 'A PEM file of extra trust anchors (added to the public roots)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l nameserver -d 'Ask this DNS server for the relay\'s addresses (HOST:PORT or IP)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l config -d 'relay.toml to read (default: ./relay.toml when it exists)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l port -d 'A port to probe (repeatable; default: 25, 465 and 587). 465 is TLS on connect, others STARTTLS; another port states its mode: 2465/tls, 2587/starttls' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l auth-user -d 'The Workspace user for SMTP AUTH (default: relay.toml\'s site.auth_user)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l password-file -d 'Read the password (or app password) from this file\'s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l oauth-token-file -d 'Read an OAuth 2.0 access token for XOAUTH2 from this file\'s first line (same rules as --password-file)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l auth-mech -d 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)' -r -f -a "auto\t'PLAIN when offered, else LOGIN (XOAUTH2 with a token)'
plain\t'AUTH PLAIN (RFC 4616)'
login\t'AUTH LOGIN'
xoauth2\t'AUTH XOAUTH2 with an OAuth 2.0 access token'"
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l mail-from -d 'Envelope test: MAIL FROM this address (then RSET; nothing is sent)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l rcpt -d 'Envelope test: RCPT TO this address (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l format -d 'Output format' -r -f -a "text\t'A summary table, verdicts and the recommendation'
json\t'One JSON document (see docs/json.md)'
nagios\t'One monitoring-plugins status line with perfdata; exit 0/1/2/3'"
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -s 4 -l ipv4 -d 'Only IPv4 addresses'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -s 6 -l ipv6 -d 'Only IPv6 addresses'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l insecure -d 'Do not verify the server\'s certificate (prints a warning; for diagnosis only)'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l allow-plaintext-auth -d 'Send credentials even without TLS (they cross the network in clear)'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -l transcript -d 'Print the SMTP dialogue of every connection (AUTH redacted)'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l host -d 'Relay host (default: relay.toml\'s, else smtp-relay.gmail.com)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l helo -d 'The HELO/EHLO name (default: relay.toml\'s, else this machine\'s FQDN)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l timeout -d 'Seconds to wait for each step (connect, each reply, the TLS handshake)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l ca-file -d 'A PEM file of extra trust anchors (added to the public roots)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l nameserver -d 'Ask this DNS server for the relay\'s addresses (HOST:PORT or IP)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l config -d 'relay.toml to read (default: ./relay.toml when it exists)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l port -d 'The port (default: relay.toml\'s, else 587); 465 is TLS on connect, another port states its mode: 2465/tls, 2587/starttls' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l auth-user -d 'The Workspace user for SMTP AUTH (default: relay.toml\'s site.auth_user)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l password-file -d 'Read the password (or app password) from this file\'s first line; `-` reads stdin (not a terminal: leave the option out to be prompted). The file must be a regular file (after symlinks) that only its owner can read or write (chmod 600)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l oauth-token-file -d 'Read an OAuth 2.0 access token for XOAUTH2 from this file\'s first line (same rules as --password-file)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l auth-mech -d 'The AUTH mechanism (auto: PLAIN, else LOGIN; XOAUTH2 with --oauth-token-file)' -r -f -a "auto\t'PLAIN when offered, else LOGIN (XOAUTH2 with a token)'
plain\t'AUTH PLAIN (RFC 4616)'
login\t'AUTH LOGIN'
xoauth2\t'AUTH XOAUTH2 with an OAuth 2.0 access token'"
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l from -d 'Envelope sender and From: of the test message' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l to -d 'Recipient (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l subject -d 'Subject of the test message' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l format -d 'Output format' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -s 4 -l ipv4 -d 'Only IPv4 addresses'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -s 6 -l ipv6 -d 'Only IPv6 addresses'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l insecure -d 'Do not verify the server\'s certificate (prints a warning; for diagnosis only)'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l allow-plaintext-auth -d 'Send credentials even without TLS (they cross the network in clear)'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -l transcript -d 'Print the SMTP dialogue (credentials and the message body redacted)'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand send-test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand explain" -l format -d 'Output format' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand explain" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand explain" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l type -d 'The kind of every file given (default: from the name, else the content)' -r -f -a "postfix\t'main.cf (master.cf and maps beside it) or `postconf -n` output'
sendmail\t'sendmail.mc (authinfo, access, mailertable beside it)'
qmail\t'smtproutes (helohost, timeoutsmtpd beside it)'
exim\t'update-exim4.conf.conf (passwd.client, localmacros, hubbed_hosts beside it)'
opensmtpd\t'smtpd.conf'
msmtp\t'msmtprc'
exchange\t'Exchange Management Shell lines (New-/Set-SendConnector)'
relay-toml\t'relayctl\'s relay.toml'
env\t'A .env file for a known relay image (boky/postfix, docker-mailserver...)'
compose\t'A docker-compose file running a known relay image'
kubernetes\t'Kubernetes manifests running a known relay image (ConfigMaps beside them read)'
shell\t'A shell script that configures Postfix (postconf -e, a heredoc writing main.cf)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l config -d 'Judge findings against this relay.toml (the console setting and site)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l format -d 'Output format' -r -f -a "text\t'`file:line:col: severity: message [rule]` and the fix'
json\t'One JSON document (see docs/json.md)'
sarif\t'SARIF 2.1.0 for GitHub code scanning'
github\t'GitHub Actions workflow-command annotations'"
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l fail-on -d 'Exit 1 when a finding of at least this severity is found' -r -f -a "error\t'Exit 1 when there is an error'
warning\t'Exit 1 when there is a warning or an error'"
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l list-rules -d 'Print the rules (id, severity, what, fix, source) and exit'
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -l allow-empty -d 'Exit 0 when the paths hold no configuration file relayctl recognises (default: 3, so a wrong path in CI does not pass)'
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -s L -l follow -d 'Follow symbolic links inside the directories walked (default: links below a given directory are skipped, so the walk stays in its tree; a path given is always read)'
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l config -d 'relay.toml whose [console] (and site.domains) sim enforces (default: ./relay.toml when it exists, else the console defaults)' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l listen -d 'The address to listen on (any address is allowed; loopback by default)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l ports -d 'The three ports, in the order of the roles 25, 465 and 587 (0 picks a free one)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l port-base -d 'Listen on N+25, N+465 and N+587 (e.g. 10000: 10025, 10465, 10587)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l users -d 'SMTP AUTH users: `user:password` lines (# comments). Must be private like --password-file (chmod 600). The users are also the "registered users"' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l hostname -d 'The name in the banner, the EHLO greeting and the certificate' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l cert-name -d 'Another name (or IP address) for the generated certificate (repeatable)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l state-dir -d 'Where ca.pem, cert.pem, key.pem, sessions.jsonl and maildir/ go' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l cert -d 'Present this certificate chain (PEM) instead of one from the generated CA' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l key -d 'The private key (PEM) of --cert' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l client-ip -d 'Treat every client as coming from ADDR (to test the IP-range policy on loopback)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l limits-scale -d 'Multiply the sending limits by F (e.g. 0.0001) so a test can reach them' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l fault -d 'A fault for tests (repeatable): drop-starttls, self-signed, wrong-name, delay=MS, refuse=STAGE:REPLY (STAGE: connect, helo, starttls, auth, mail, rcpt, data)' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l max-connections -d 'The most sessions at once; more get 421 and are closed' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l timeout -d 'Seconds to wait for each line from a client before 421 and closing' -r
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l format -d 'Output format of the ready line' -r -f -a "text\t'Paste-ready text'
json\t'One JSON document (see docs/json.md)'"
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -l discard -d 'Accept messages without storing them'
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand completions" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand completions" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand man" -l out-dir -d 'The directory to write into' -r -F
complete -c relayctl -n "__fish_relayctl_using_subcommand man" -l color -d 'When to colour text output: auto (a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on), always, never' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE colours pipes too'
always\t'Always colour'
never\t'Never colour'"
complete -c relayctl -n "__fish_relayctl_using_subcommand man" -s q -l quiet -d 'Quiet, for scripts: nothing on stderr but a failure\'s one `relayctl: ...` line (no progress, notes, warnings or summaries); stdout and the exit code are unchanged'
complete -c relayctl -n "__fish_relayctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "init" -d 'Write a commented relay.toml describing your relay setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "gen" -d 'Write the configuration for your MTA that matches your relay setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "check" -d 'Check the console\'s IP ranges or this server\'s HELO name'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "probe" -d 'Talk to the relay on ports 25, 465 and 587 at once and say what is wrong'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "send-test" -d 'Send one real test message through the relay'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "explain" -d 'Explain a reply of the relay: cause, fix and the fact it rests on'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "lint" -d 'Check MTA configuration files against the relay\'s rules (for CI)'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "sim" -d 'Run a local stand-in for smtp-relay.gmail.com that enforces your console setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "man" -d 'Write the man pages (relayctl.1 and one per subcommand) into a directory'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and not __fish_seen_subcommand_from init gen check probe send-test explain lint sim completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "cidr" -d 'Validate IP ranges for the Admin console\'s SMTP relay setting'
complete -c relayctl -n "__fish_relayctl_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "helo" -d 'Check the name this server presents in HELO/EHLO, with DNS evidence'
complete -c relayctl -n "__fish_relayctl_using_subcommand gen; and not __fish_seen_subcommand_from postfix sendmail qmail exchange domino groupwise macos exim opensmtpd msmtp console" -f -a "postfix\t''
sendmail\t''
qmail\t''
exchange\t''
domino\t''
groupwise\t''
macos\t''
exim\t''
opensmtpd\t''
msmtp\t''
console\t''"
complete -c relayctl -n "__fish_relayctl_using_subcommand completions; and not __fish_seen_subcommand_from bash zsh fish powershell elvish" -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
