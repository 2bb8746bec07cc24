# Helpers bench/run.sh and bench/compare.sh share; sourced, not run. Expects CLK_TCK (getconf CLK_TCK).

# Stops a process: TERM, up to 5 s, then KILL; reaps it. An empty PID is no process.
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port timeout_s [pid]: until the port accepts; fails at the timeout or when pid exits
    local deadline=$(( $(date +%s) + $2 ))
    while ! port_open "$1"; do
        if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

# % of one core busy on the whole machine over the next $1 seconds.
machine_busy() {
    local u1 n1 s1 i1 w1 q1 sq1 st1 u2 n2 s2 i2 w2 q2 sq2 st2 t0 t1
    t0=$(date +%s%N)
    read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ < /proc/stat
    sleep "$1"
    read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ < /proc/stat
    t1=$(date +%s%N)
    echo $(( ((u2+n2+s2+q2+sq2+st2) - (u1+n1+s1+q1+sq1+st1)) * 100 * 1000000000 / CLK_TCK / (t1 - t0) ))
}

# % of one core used by processes other than the load generator, the backend and the proxy during
# a measured window, from the RESULT line $1 (wall_s, cpu_machine_s, cpu_lg_s, cpu_backend_s, cpu_proxy_s).
other_pct() {
    awk '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        if (v["wall_s"] == "" || v["wall_s"] <= 0 || v["cpu_machine_s"] == "") { print 0; exit }
        o = v["cpu_machine_s"] - v["cpu_lg_s"] - v["cpu_backend_s"] - v["cpu_proxy_s"]
        if (o < 0) o = 0
        printf "%.0f\n", 100 * o / v["wall_s"]
    }' <<< "$1"
}
