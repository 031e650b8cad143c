# fish completion for massagectl(1)

function __massagectl_devices
    massagectl --no-color devices 2>/dev/null | string match -r '^[0-9A-F]{2}:\S+'
end

function __massagectl_programs
    set -l p (massagectl --no-color programs 2>/dev/null | string match -r '^[a-z0-9_-]+(?= )' | string match -v PROGRAM)
    if test (count $p) -eq 0
        set p gentle kneading trigger-point suboccipital myofascial relax migraine
    end
    printf '%s\n' $p
end

set -l commands scan devices add forget connect disconnect status start stop pause resume set monitor history usage limits programs note screening thermal version help
set -l device_cmds forget connect disconnect status start stop pause resume monitor

complete -c massagectl -f
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -l json -d 'Machine-readable output'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -l no-color -d 'No colour'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -l version -d 'Show versions'
complete -c massagectl -s h -l help -d 'Show help'

complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a scan -d 'Look for massagers in range'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a devices -d 'List known massagers'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a add -d 'Pair and remember a massager'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a forget -d 'Forget a massager'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a connect -d 'Connect to a massager'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a disconnect -d 'Disconnect a massager'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a status -d "Show a massager's state"
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a start -d 'Start a session'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a stop -d 'Stop a session'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a pause -d 'Pause a session'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a resume -d 'Resume a session'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a set -d 'Change intensity or heat'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a monitor -d 'Watch sessions live'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a history -d 'Show past sessions'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a usage -d 'Chart minutes per day'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a limits -d 'Show or change limits'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a programs -d 'List programs'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a note -d 'Add a diary note'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a screening -d 'Answer the health screening'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a thermal -d 'Acknowledge a cut-off, re-enable heat'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a version -d 'Show versions'
complete -c massagectl -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show help'

complete -c massagectl -n "__fish_seen_subcommand_from $commands" -l json -d 'Machine-readable output'
complete -c massagectl -n "__fish_seen_subcommand_from $device_cmds" -a '(__massagectl_devices)'
complete -c massagectl -n '__fish_seen_subcommand_from start' -l program -x -a '(__massagectl_programs)' -d 'Program'
complete -c massagectl -n '__fish_seen_subcommand_from start' -l intensity -x -a '1 2 3 4 5 6 7 8 9 10' -d 'Intensity'
complete -c massagectl -n '__fish_seen_subcommand_from start' -l heat -x -a '0 1 2 3 4' -d 'Heat level'
complete -c massagectl -n '__fish_seen_subcommand_from start' -l duration -x -a '5m 10m 15m 20m' -d 'Session length'
complete -c massagectl -n '__fish_seen_subcommand_from start' -l wait -d 'Watch until it ends; Ctrl-C stops'
complete -c massagectl -n '__fish_seen_subcommand_from stop' -l reason -x -a 'pain_rising numbness tingling dizziness headache_flare burning_skin' -d 'Why'
complete -c massagectl -n '__fish_seen_subcommand_from stop' -l all -d 'Stop every massager'
complete -c massagectl -n '__fish_seen_subcommand_from scan' -l timeout -x -d 'How long to scan'
complete -c massagectl -n '__fish_seen_subcommand_from history' -l since -x -d 'First day (YYYY-MM-DD)'
complete -c massagectl -n '__fish_seen_subcommand_from history' -l until -x -d 'Last day (YYYY-MM-DD)'
complete -c massagectl -n '__fish_seen_subcommand_from history' -l export -x -a 'csv json' -d 'Export format'
complete -c massagectl -n '__fish_seen_subcommand_from history' -l events -d 'Safety events instead'
complete -c massagectl -n '__fish_seen_subcommand_from usage' -l week -d 'Last 7 days'
complete -c massagectl -n '__fish_seen_subcommand_from usage' -l month -d 'Last 30 days'
complete -c massagectl -n '__fish_seen_subcommand_from note' -l before -x -a '0 1 2 3 4 5 6 7 8 9 10' -d 'Pain before'
complete -c massagectl -n '__fish_seen_subcommand_from note' -l after -x -a '0 1 2 3 4 5 6 7 8 9 10' -d 'Pain after'
complete -c massagectl -n '__fish_seen_subcommand_from note' -l text -x -d 'Note'
complete -c massagectl -n '__fish_seen_subcommand_from screening' -l answer -x -d 'KEY=yes|no'
complete -c massagectl -n '__fish_seen_subcommand_from screening' -l all-no -d 'No to every question'
complete -c massagectl -n '__fish_seen_subcommand_from screening' -l clearance -d 'Cleared by a clinician'
complete -c massagectl -n '__fish_seen_subcommand_from screening' -l correction -d 'An earlier yes was a mistake'
complete -c massagectl -n '__fish_seen_subcommand_from screening' -l list -d 'List the questions'
complete -c massagectl -n '__fish_seen_subcommand_from set' -a 'intensity heat'
complete -c massagectl -n '__fish_seen_subcommand_from limits' -a 'set'
complete -c massagectl -n '__fish_seen_subcommand_from help' -a "$commands"
complete -c massagectl -n '__fish_seen_subcommand_from thermal' -a 'ack reset-heat'
