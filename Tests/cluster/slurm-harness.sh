#!/usr/bin/env bash
# slurm-harness.sh — run a real, throw-away, single-node Slurm cluster
# (munged + slurmctld + slurmd) entirely under one WORKDIR, for integration
# tests on a Debian bookworm machine where we are root and systemd is NOT
# PID 1 (CI containers / sandboxes).
#
#   slurm-harness.sh install                 apt-get install slurm-wlm munge if missing
#   slurm-harness.sh start WORKDIR           write conf, start munged/slurmctld/slurmd, wait idle
#   slurm-harness.sh run WORKDIR -- ARGS...  sbatch ARGS, wait for every (array) task, fail if any failed
#   slurm-harness.sh stop WORKDIR            stop slurmd, slurmctld, munged (tolerates partial starts)
#   slurm-harness.sh status WORKDIR          sinfo/squeue + daemon pids
#
# After `start`, `source WORKDIR/env.sh` gives a caller SLURM_CONF and the
# paths, so plain `sbatch`, `squeue`, `scontrol` talk to this cluster.
#
# Tunables (environment):
#   SLURM_HARNESS_START_TIMEOUT   seconds to wait for the node to be idle   [60]
#   SLURM_HARNESS_RUN_TIMEOUT     seconds to wait for a job in `run`        [600]
#   SLURM_HARNESS_POLL            poll interval in `run`, seconds           [0.5]
#   SLURM_HARNESS_CTLD_PORT       slurmctld port (default: first free >= 6817)
#   SLURM_HARNESS_SLURMD_PORT     slurmd port    (default: first free >= ctld+1)
#   SLURM_HARNESS_CLUSTER         ClusterName                               [synktest]
#   SLURM_HARNESS_PARTITION       partition name                            [debug]
#   SLURM_HARNESS_EXTRA_CONF      extra slurm.conf lines appended verbatim (newline-separated)
set -euo pipefail

PROG=$(basename "$0")

log() { printf '[%s %s] %s\n' "$PROG" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd and SlurmUser=root need it)"; }

# ------------------------------------------------------------------ install
PKGS=(slurm-wlm munge)
# What we actually execute; slurm-wlm is the metapackage pulling these in.
PROBE_PKGS=(slurm-wlm munge slurmctld slurmd slurm-client)

pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

cmd_install() {
    need_root
    local missing=() p t0
    for p in "${PROBE_PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -eq 0 ]; then
        log "install: already installed: ${PROBE_PKGS[*]}"
        return 0
    fi
    log "install: missing: ${missing[*]}"
    t0=$(date +%s)
    export DEBIAN_FRONTEND=noninteractive
    # policy-rc.d: never let the maintainer scripts start daemons (no systemd
    # here anyway; on a real host we don't want system slurmd/munged running
    # beside ours). Only add one if none exists, and remove only ours.
    local ours_rc=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        ours_rc=1
    fi
    local rc=0
    {
        # Update the index only if the install fails without it (fresh
        # machines often have no lists at all).
        apt-get install -y -q --no-install-recommends "${PKGS[@]}" ||
            { apt-get update -q && apt-get install -y -q --no-install-recommends "${PKGS[@]}"; }
    } || rc=$?
    [ "$ours_rc" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || die "apt-get install ${PKGS[*]} failed (rc=$rc)"
    for p in "${PROBE_PKGS[@]}"; do pkg_installed "$p" || die "package $p still not installed"; done
    log "install: done in $(( $(date +%s) - t0 )) s"
}

# ------------------------------------------------------------------ helpers
abs_workdir() {
    [ -n "${1:-}" ] || die "WORKDIR argument missing"
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

# Is a TCP port on 127.0.0.1 accepting connections (i.e. taken)?
port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port_from() {
    local p=$1 avoid=${2:-}
    while [ "$p" -lt $(( $1 + 200 )) ]; do
        if [ "$p" != "$avoid" ] && ! port_busy "$p"; then echo "$p"; return 0; fi
        p=$((p + 1))
    done
    die "no free TCP port in $1..$(( $1 + 199 ))"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

read_pid() { if [ -s "$1" ]; then tr -dc '0-9' < "$1"; fi; }

# Kill the daemon whose pid is in file $2 (name $1): TERM, wait, then KILL.
stop_pidfile() {
    local name=$1 file=$2 pid
    pid=$(read_pid "$file")
    if [ -z "$pid" ]; then
        log "stop: $name: no pid file"; return 0
    fi
    if ! pid_alive "$pid"; then
        log "stop: $name: pid $pid not running"; rm -f "$file"; return 0
    fi
    # Make sure the pid really is ours (pid reuse after a crash).
    local comm
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    case "$comm" in
        "$name"*) ;;
        *) log "stop: $name: pid $pid is '$comm', not $name; leaving it alone"; rm -f "$file"; return 0 ;;
    esac
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do            # up to 10 s
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        log "stop: $name: pid $pid ignored TERM for 10 s, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    log "stop: $name (pid $pid) stopped"
    rm -f "$file"
}

dump_logs() {
    local W=$1 f
    for f in "$W"/log/*; do
        [ -f "$f" ] || continue
        echo "===== $f (last 60 lines) =====" >&2
        tail -n 60 "$f" >&2 || true
    done
}

# ------------------------------------------------------------------ start
write_conf() {
    local W=$1 host=$2 ctld_port=$3 slurmd_port=$4
    local cluster=${SLURM_HARNESS_CLUSTER:-synktest} part=${SLURM_HARNESS_PARTITION:-debug}
    local nodeline cpus mem

    # Let slurmd itself describe the hardware, so the configured node never
    # exceeds what slurmd will register (that would leave it INVAL/DRAIN).
    nodeline=$(slurmd -C 2>/dev/null | head -n 1 || true)
    if printf '%s' "$nodeline" | grep -q '^NodeName=.*CPUs=.*RealMemory='; then
        nodeline=$(printf '%s' "$nodeline" | sed -E "s/^NodeName=[^ ]+ //")
    else
        cpus=$(nproc)
        mem=$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo)
        nodeline="CPUs=$cpus RealMemory=$mem"
    fi

    cat > "$W/etc/slurm.conf" <<EOF
# Generated by $PROG on $(date -u +%FT%TZ) — single-node test cluster.
ClusterName=$cluster
# name(address): the address avoids needing DNS / /etc/hosts for the name.
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Trust slurm.conf over what slurmd measures (containers lie about memory).
SlurmdParameters=config_overrides
MailProg=/bin/true
# Keep finished job records long enough for the harness to read exit codes.
MinJobAge=3600
MaxArraySize=10001
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool/slurmd
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$W/tmp
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host $nodeline State=UNKNOWN
PartitionName=$part Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    # The bookworm package ships plugstack.conf in /etc/slurm; an empty one
    # of ours keeps /etc out of the picture.
    : > "$W/etc/plugstack.conf"
    echo "PlugStackConfig=$W/etc/plugstack.conf" >> "$W/etc/slurm.conf"
    # Caller-supplied extra lines (later keys override earlier ones).
    if [ -n "${SLURM_HARNESS_EXTRA_CONF:-}" ]; then
        printf '# from SLURM_HARNESS_EXTRA_CONF\n%s\n' "$SLURM_HARNESS_EXTRA_CONF" >> "$W/etc/slurm.conf"
    fi
}

write_env() {
    local W=$1 host=$2 ctld_port=$3 slurmd_port=$4
    cat > "$W/env.sh" <<EOF
# Source me: environment for the test cluster in $W
export SLURM_HARNESS_WORKDIR='$W'
export SLURM_CONF='$W/etc/slurm.conf'
export SLURM_HARNESS_NODE='$host'
export SLURM_HARNESS_PARTITION='${SLURM_HARNESS_PARTITION:-debug}'
export SLURM_HARNESS_CTLD_PORT='$ctld_port'
export SLURM_HARNESS_SLURMD_PORT='$slurmd_port'
export SLURM_HARNESS_LOGDIR='$W/log'
export SLURM_HARNESS_JOBDIR='$W/jobs'
export SLURM_HARNESS_MUNGE_SOCKET='$W/munge/munge.socket'
EOF
}

start_munged() {
    local W=$1 M=$1/munge user=root
    mkdir -p "$M"
    # munged refuses group/world-writable dirs and keys not owned by its user.
    if id munge >/dev/null 2>&1; then user=munge; fi
    if [ ! -s "$M/munge.key" ]; then
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$M/munge.key" --force
        else
            dd if=/dev/urandom of="$M/munge.key" bs=1 count=1024 status=none
        fi
        log "start: created munge key $M/munge.key"
    fi
    chown -R "$user:" "$M" 2>/dev/null || chown -R "$user" "$M"
    chmod 0755 "$M"   # munged: socket dir must be a+x, not g/o-writable
    chmod 0600 "$M/munge.key"
    rm -f "$M/munge.socket" "$M/munge.socket.lock"

    local args=(--socket="$M/munge.socket" --key-file="$M/munge.key"
                --pid-file="$M/munged.pid" --log-file="$W/log/munged.log"
                --seed-file="$M/munged.seed" --num-threads=2)
    touch "$W/log/munged.log"; chown "$user" "$W/log/munged.log"
    if [ "$user" = root ]; then
        munged "${args[@]}" --force
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u munge -- munged "${args[@]}"
    else
        su -s /bin/sh munge -c "munged $(printf '%q ' "${args[@]}")"
    fi
    # munged forks; wait for its pid file and socket.
    for _ in $(seq 1 100); do
        [ -S "$M/munge.socket" ] && [ -s "$M/munged.pid" ] && break
        sleep 0.1
    done
    [ -S "$M/munge.socket" ] || { dump_logs "$W"; die "munged did not create $M/munge.socket"; }
    cp "$M/munged.pid" "$W/run/munged.pid"
    # Round-trip a credential to prove the socket works.
    munge -S "$M/munge.socket" -n | unmunge -S "$M/munge.socket" >/dev/null ||
        { dump_logs "$W"; die "munge/unmunge round trip failed"; }
    log "start: munged up as $user (pid $(read_pid "$W/run/munged.pid"))"
}

# Run a daemon in the foreground mode (-D) detached in its own session, with
# stdout/stderr to a log, and record its pid.
spawn_daemon() {
    local W=$1 name=$2; shift 2
    setsid "$@" </dev/null >>"$W/log/$name.out" 2>&1 &
    echo $! > "$W/run/$name.pid"
    disown 2>/dev/null || true
}

node_state() {
    sinfo -h -N -n "$1" -o '%T' 2>/dev/null | head -n 1 || true
}

cmd_start() {
    need_root
    local W host ctld_port slurmd_port t0
    W=$(abs_workdir "${1:-}")
    t0=$(date +%s.%N)
    for b in munged slurmctld slurmd sinfo sbatch scontrol; do
        command -v "$b" >/dev/null 2>&1 || die "$b not found; run '$PROG install' first"
    done
    if pid_alive "$(read_pid "$W/run/slurmctld.pid")"; then
        die "a cluster seems to be running in $W already (stop it first)"
    fi

    # munge (a non-root user) must be able to traverse to WORKDIR/munge;
    # mktemp -d makes 0700 dirs.
    chmod 0755 "$W"
    mkdir -p "$W/etc" "$W/run" "$W/log" "$W/state" "$W/spool/slurmd" "$W/tmp" "$W/jobs"
    chmod 1777 "$W/tmp" "$W/jobs"

    host=$(hostname -s 2>/dev/null || hostname)
    [ -n "$host" ] || die "empty hostname"
    ctld_port=${SLURM_HARNESS_CTLD_PORT:-$(free_port_from 6817)}
    slurmd_port=${SLURM_HARNESS_SLURMD_PORT:-$(free_port_from $((ctld_port + 1)) "$ctld_port")}

    write_conf "$W" "$host" "$ctld_port" "$slurmd_port"
    write_env "$W" "$host" "$ctld_port" "$slurmd_port"
    export SLURM_CONF="$W/etc/slurm.conf"
    log "start: node $host, slurmctld :$ctld_port, slurmd :$slurmd_port, conf $SLURM_CONF"

    start_munged "$W"

    # -i: ignore saved state (fresh cluster every time); -D: no fork.
    spawn_daemon "$W" slurmctld slurmctld -D -i -f "$SLURM_CONF"
    # wait until the controller answers
    local deadline=$(( $(date +%s) + ${SLURM_HARNESS_START_TIMEOUT:-60} ))
    until scontrol ping 2>/dev/null | grep -q 'is UP'; do
        if ! pid_alive "$(read_pid "$W/run/slurmctld.pid")"; then
            dump_logs "$W"; die "slurmctld exited during start"
        fi
        [ "$(date +%s)" -lt "$deadline" ] || { dump_logs "$W"; die "slurmctld not answering"; }
        sleep 0.2
    done
    log "start: slurmctld up (pid $(read_pid "$W/run/slurmctld.pid"))"

    spawn_daemon "$W" slurmd slurmd -D -N "$host" -f "$SLURM_CONF"

    local st=""
    while :; do
        st=$(node_state "$host")
        [ "$st" = idle ] && break
        if ! pid_alive "$(read_pid "$W/run/slurmd.pid")"; then
            dump_logs "$W"; die "slurmd exited during start (node state '$st')"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            sinfo -N -l >&2 || true
            scontrol show node "$host" >&2 || true
            dump_logs "$W"
            die "node $host not idle within ${SLURM_HARNESS_START_TIMEOUT:-60} s (state '$st')"
        fi
        sleep 0.2
    done
    log "start: node $host idle; cluster ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
    log "start: source $W/env.sh to use it"
}

# ------------------------------------------------------------------ run
# Terminal job states (see squeue(1) JOB STATE CODES).
is_terminal() {
    case "$1" in
        COMPLETED|FAILED|CANCELLED|CANCELLED+|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE|SPECIAL_EXIT|REVOKED) return 0 ;;
        *) return 1 ;;
    esac
}

cmd_run() {
    local W
    W=$(abs_workdir "${1:-}"); shift || true
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || die "run: no sbatch arguments"
    [ -f "$W/env.sh" ] || die "run: $W/env.sh missing (did 'start' run?)"
    # shellcheck disable=SC1091
    . "$W/env.sh"

    local t0 out jobid
    t0=$(date +%s.%N)
    out=$(sbatch --parsable "$@") || die "sbatch failed: $out"
    jobid=${out%%;*}
    [[ "$jobid" =~ ^[0-9]+$ ]] || die "could not parse job id from sbatch output '$out'"
    log "run: submitted job $jobid: sbatch $*"

    local deadline=$(( $(date +%s) + ${SLURM_HARNESS_RUN_TIMEOUT:-600} ))
    local poll=${SLURM_HARNESS_POLL:-0.5}
    local lines pending l st
    while :; do
        # One line per job / array task: JobId=.. ArrayJobId=.. ArrayTaskId=.. JobState=.. ExitCode=..
        lines=$(scontrol -o show job "$jobid" 2>/dev/null || true)
        if [ -z "$lines" ]; then
            die "run: job $jobid vanished from slurmctld (MinJobAge?)"
        fi
        pending=0
        while IFS= read -r l; do
            st=$(printf '%s\n' "$l" | grep -o 'JobState=[^ ]*' | cut -d= -f2)
            is_terminal "$st" || pending=$((pending + 1))
        done <<< "$lines"
        [ "$pending" -eq 0 ] && break
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "run: timeout after ${SLURM_HARNESS_RUN_TIMEOUT:-600} s; cancelling $jobid"
            scancel "$jobid" || true
            printf '%s\n' "$lines" >&2
            exit 124
        fi
        sleep "$poll"
    done

    local elapsed failed=0 n=0 id st ec task rt label l
    elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
    while IFS= read -r l; do
        n=$((n + 1))
        id=$(printf '%s\n' "$l" | grep -o 'JobId=[^ ]*' | head -n1 | cut -d= -f2)
        task=$(printf '%s\n' "$l" | grep -o 'ArrayTaskId=[^ ]*' | cut -d= -f2 || true)
        st=$(printf '%s\n' "$l" | grep -o 'JobState=[^ ]*' | cut -d= -f2)
        ec=$(printf '%s\n' "$l" | grep -o ' ExitCode=[^ ]*' | cut -d= -f2)
        rt=$(printf '%s\n' "$l" | grep -o 'RunTime=[^ ]*' | cut -d= -f2)
        if [ -n "$task" ]; then label="task ${jobid}_${task} (job $id)"; else label="job $id"; fi
        if [ "$st" != COMPLETED ] || [ "$ec" != "0:0" ]; then
            failed=$((failed + 1))
            log "run: $label: $st exit=$ec runtime=$rt  FAILED"
        else
            log "run: $label: $st exit=$ec runtime=$rt"
        fi
    done <<< "$lines"
    echo "job $jobid: $n task(s), $failed failed, wall ${elapsed} s"
    [ "$failed" -eq 0 ] || exit 1
}

# Kill slurmstepd and job processes that belong to cluster $1 and survived
# slurmd: batch scripts live in WORKDIR/spool/slurmd/, and job processes
# carry SLURM_JOB_ID plus our SLURM_CONF. Never touches this script or its
# ancestors (a caller that sourced env.sh has SLURM_CONF too, but no
# SLURM_JOB_ID of ours... unless it runs inside a job, hence the ancestor check).
kill_leftovers() {
    local W=$1 d p cmd stat pg mypg env ancestors=" " a=$$ n=0
    while [ -n "$a" ] && [ "$a" -gt 1 ]; do
        ancestors="$ancestors$a "
        a=$(sed 's/.*) //' "/proc/$a/stat" 2>/dev/null | awk '{print $2}')
    done
    mypg=$(sed 's/.*) //' "/proc/$$/stat" | awk '{print $3}')
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        case "$ancestors" in *" $p "*) continue ;; esac
        cmd=$(tr '\0' ' ' 2>/dev/null < "$d/cmdline") || continue
        stat=$(sed 's/.*) //' 2>/dev/null < "$d/stat") || continue
        pg=$(printf '%s\n' "$stat" | awk '{print $3}')
        if [[ "$cmd" == *"$W/spool/slurmd/"* ]]; then
            [ "$pg" != "$mypg" ] && kill -KILL -- "-$pg" 2>/dev/null
            kill -KILL "$p" 2>/dev/null && n=$((n + 1))
        else
            env=$(tr '\0' '\n' 2>/dev/null < "$d/environ") || continue
            grep -qxF "SLURM_CONF=$W/etc/slurm.conf" <<< "$env" || continue
            if [[ "$cmd" == slurmstepd* ]] || grep -q '^SLURM_JOB_ID=' <<< "$env"; then
                kill -KILL "$p" 2>/dev/null && n=$((n + 1))
            fi
        fi
    done
    [ "$n" -eq 0 ] || log "stop: killed $n leftover job/slurmstepd process(es)"
    return 0
}

# ------------------------------------------------------------------ stop
cmd_stop() {
    local W
    [ -n "${1:-}" ] || die "WORKDIR argument missing"
    if [ ! -d "$1" ]; then log "stop: $1 does not exist; nothing to do"; return 0; fi
    W=$(cd "$1" && pwd -P)
    # Cancel leftover jobs so slurmd has no steps to wait for (best effort).
    if [ -f "$W/etc/slurm.conf" ] && pid_alive "$(read_pid "$W/run/slurmctld.pid")"; then
        local ids
        ids=$(SLURM_CONF="$W/etc/slurm.conf" timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
        if [ -n "${ids// /}" ]; then
            log "stop: cancelling leftover jobs: $ids"
            # shellcheck disable=SC2086
            SLURM_CONF="$W/etc/slurm.conf" timeout 10 scancel $ids >/dev/null 2>&1 || true
        fi
    fi
    stop_pidfile slurmd    "$W/run/slurmd.pid"
    # If the controller was gone, jobs may still run; slurmd's exit leaves
    # them (and their slurmstepd) behind. Kill what belongs to this WORKDIR.
    kill_leftovers "$W"
    stop_pidfile slurmctld "$W/run/slurmctld.pid"
    # munged's own pid file lives in WORKDIR/munge; ours is a copy.
    [ -s "$W/run/munged.pid" ] || { [ -s "$W/munge/munged.pid" ] && cp "$W/munge/munged.pid" "$W/run/munged.pid"; } || true
    stop_pidfile munged    "$W/run/munged.pid"
    rm -f "$W/munge/munge.socket" "$W/munge/munge.socket.lock"
}

cmd_status() {
    local W
    W=$(abs_workdir "${1:-}")
    # shellcheck disable=SC1091
    . "$W/env.sh"
    for d in munged slurmctld slurmd; do
        p=$(read_pid "$W/run/$d.pid")
        if pid_alive "$p"; then echo "$d: running (pid $p)"; else echo "$d: not running"; fi
    done
    sinfo -N -l || true
    squeue || true
}

main() {
    local cmd=${1:-}; shift || true
    case "$cmd" in
        install) cmd_install "$@" ;;
        start)   cmd_start "$@" ;;
        run)     cmd_run "$@" ;;
        stop)    cmd_stop "$@" ;;
        status)  cmd_status "$@" ;;
        -h|--help|help|"") usage ;;
        *) log "unknown subcommand '$cmd'"; usage ;;
    esac
}

main "$@"
