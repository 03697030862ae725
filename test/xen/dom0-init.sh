#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the real-Xen test's Dom0 (a PV Dom0 on Xen under QEMU): mount the kernel's file
# systems, load the Xen modules (not xen-netback: the scenario decides), start the toolstack's
# daemons as Debian's xen init script does, run /scenario.sh (or /bench.sh), print
# "DNB-DONE rc=STATUS", power off. Every line goes to hvc0, which Xen puts on its serial
# console, which the host reads.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/run/xen
echo "DNB-BOOT dom0 kernel $(uname -r) up"

while read -r ko; do
	case "$ko" in
	*/xen-netback.ko) ;; # loaded only by the scenario's kernel-netback comparison
	*) insmod "$ko" || echo "DNB-BOOT insmod $ko failed" ;;
	esac
done </etc/modules.order
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || echo "DNB-BOOT mounting xenfs failed"

# The toolstack's daemons, in the order of Debian's /etc/init.d/xen.
/usr/sbin/oxenstored --pid-file /run/xen/xenstored.pid || echo "DNB-BOOT oxenstored failed"
i=0
while ! xenstore-read / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
/usr/sbin/xen-init-dom0 || echo "DNB-BOOT xen-init-dom0 failed"
/usr/sbin/xenconsoled --log=guest --log-dir=/var/log/xen/console \
	--pid-file=/run/xen/xenconsoled.pid || echo "DNB-BOOT xenconsoled failed"
echo "DNB-BOOT dom0 toolstack up"

# The scenario's exit status goes to the host: 0 only when it ran to its last line (a
# scenario killed by a parse error, a signal or the OOM killer reports it here).
# dnb_scenario=bench on Dom0's command line (run-xen-test.sh --bench): test/xen/bench.sh.
case ${dnb_scenario:-scenario} in
bench) sh /bench.sh 2>&1 ;;
*) sh /scenario.sh 2>&1 ;;
esac
echo "DNB-DONE rc=$?"
sync
poweroff -f
