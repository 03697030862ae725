#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#16): an idle worker sleeps, and wakes for what comes. Two guests, a silent wire:
#  - idle, the worker sleeps (/dpdk_netback/workers: sleeps) and is not woken by a timer
#    (wake_timeouts 0: the af_packet wire has a wake-up socket), and makes few passes
#    (a spinning worker makes millions in the same time);
#  - from that sleep a ping from the wire, a ping between the guests, and a byte-exact
#    stream each way go through (so each of: the wire's socket, a guest's kick, a frame
#    for a guest, wakes it);
#  - its sleeps' CPU is measured;
#  - with --idle-sleep-us 0 the worker never sleeps;
#  - a wire port whose driver has RX interrupts (net_tap) wakes it by them: no timer.
# The CPU it saves is a figure, not a check: test/bench/idle.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=is$$
e2e_init "${name:0:8}"
export DNB_STREAM_BYTES=16777216

worker() { # worker FIELD: worker 0's counter
	e2e_telemetry /dpdk_netback/workers | python3 -c \
		"import json,sys; print(json.load(sys.stdin)['/dpdk_netback/workers']['worker0']['$1'])"
}

e2e_bed_up 2
e2e_netback_start --lro chain
e2e_wait_connected 1
e2e_wait_connected 2
g1=$(e2e_guest_ip 1)
sleep 1
p0=$(worker passes) && s0=$(worker sleeps) || e2e_fail "telemetry /dpdk_netback/workers"
sleep 2
p1=$(worker passes) && s1=$(worker sleeps) && t1=$(worker wake_timeouts) ||
	e2e_fail "telemetry /dpdk_netback/workers"
e2e_log "idle 2 s: $((p1 - p0)) passes, $((s1 - s0)) sleeps, $t1 timer wake-ups in all"
[ "$s1" -gt "$s0" ] || [ "$((p1 - p0))" -lt 1000 ] || e2e_fail "the idle worker did not sleep"
[ "$((p1 - p0))" -lt 100000 ] || e2e_fail "the idle worker made $((p1 - p0)) passes in 2 s"
[ "$t1" -eq 0 ] || e2e_fail "the worker was woken by its timer $t1 times (no wake-up socket?)"
e2e_in_wire ping -c 3 -i 0.5 -W 2 "$g1" >/dev/null || e2e_fail "ping wire -> guest 1 from sleep"
sleep 1
e2e_in_guest 2 ping -c 3 -i 0.5 -W 2 "$g1" >/dev/null || e2e_fail "ping guest 2 -> guest 1"
sleep 1
e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$g1" "stream wire -> guest 1 from sleep"
sleep 1
e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" 10.99.0.1 "stream guest 1 -> wire from sleep"
w=$(worker wake_events) || e2e_fail "telemetry /dpdk_netback/workers"
[ "$w" -gt 0 ] || e2e_fail "no wake-up by an event"
e2e_log "woken by events $w times"
# What the sleeps cost the worker is measured.
c=$(worker sleep_cpu_us) && n=$(worker sleeps) || e2e_fail "telemetry /dpdk_netback/workers"
[ "$c" -gt 0 ] || e2e_fail "$n sleeps cost no CPU time (sleep_cpu_us $c)"
e2e_log "sleeps cost $((c / n)) us of CPU each on average"
e2e_netback_stop

# Pure polling: never asleep.
e2e_netback_start --lro chain --idle-sleep-us 0
e2e_wait_connected 1
sleep 2
[ "$(worker sleeps)" = 0 ] || e2e_fail "--idle-sleep-us 0 slept"
e2e_in_wire ping -c 2 -i 0.2 -W 2 "$g1" >/dev/null || e2e_fail "ping wire -> guest 1, polling"
e2e_netback_stop

# A wire port with RX interrupts: net_tap, whose tap takes the wire's address in its
# namespace, moved there once the port has started (as the real-Xen bench moves
# virtio-user's tap): net_tap opens its queues by the tap's name, and a queue opened after
# the move would make a new tap of that name in this namespace.
tap=${name:0:8}-t0
ip -n "$E2E_WIRE_NS" addr flush dev "$E2E_NAME-w1"
started() { [ "$(grep -c "forwarding on" "$E2E_STATE/netback.log")" -gt "$1" ]; }
n=$(grep -c "forwarding on" "$E2E_STATE/netback.log")
E2E_WIRE_VDEV="net_tap0,iface=$tap" e2e_netback_start --lro chain
e2e_wait_for 30 started "$n" || e2e_fail "dpdk-netback with a net_tap wire did not start"
ip link set "$tap" netns "$E2E_WIRE_NS" && ip -n "$E2E_WIRE_NS" addr add 10.99.0.1/24 dev "$tap" &&
	ip -n "$E2E_WIRE_NS" link set "$tap" up || e2e_fail "tap $tap into $E2E_WIRE_NS"
e2e_wait_connected 1
grep -q "wire port 0: an idle worker wakes on its RX interrupts" "$E2E_STATE/netback.log" ||
	e2e_fail "net_tap's RX interrupts not taken: $(grep 'wire port 0' "$E2E_STATE/netback.log")"
sleep 1
s0=$(worker sleeps) || e2e_fail "telemetry /dpdk_netback/workers"
sleep 2
s1=$(worker sleeps) && t1=$(worker wake_timeouts) || e2e_fail "telemetry /dpdk_netback/workers"
[ "$s1" -gt "$s0" ] || e2e_fail "the idle worker did not sleep with a net_tap wire"
[ "$t1" -eq 0 ] || e2e_fail "woken by its timer $t1 times with a net_tap wire (a nap, not its interrupts)"
w0=$(worker wake_events)
# The first answer within 20 s (a ping a second; the tap is a new interface with a new MAC,
# so both ends resolve each other first)
e2e_in_wire ping -c 1 -w 20 "$g1" >/dev/null ||
	e2e_fail "ping wire (net_tap) -> guest 1 from sleep: no reply in 20 s"
sleep 1
e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$g1" "stream wire (net_tap) -> guest 1 from sleep"
w1=$(worker wake_events) && t1=$(worker wake_timeouts) || e2e_fail "telemetry /dpdk_netback/workers"
[ "$w1" -gt "$w0" ] && [ "$t1" -eq 0 ] || e2e_fail "events $w0 -> $w1, timer wake-ups $t1"
e2e_log "net_tap wire: woken by events $((w1 - w0)) times, never by the timer"
e2e_netback_stop
echo "PASS: an idle worker sleeps, and wakes for the wire (its socket or its RX interrupts) and for a guest"
