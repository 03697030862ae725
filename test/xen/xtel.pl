#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# xtel.pl COMMAND: one DPDK telemetry (v2) command to the DPDK process of this Dom0, its
# JSON answer on stdout (dpdk-telemetry.py's job, where the test's Dom0 has no Python).
# The socket: $DNB_TEL_SOCK, else the first /var/run/dpdk/*/dpdk_telemetry.v2. Exits 1,
# saying why, when it cannot connect or gets no answer.
use strict;
use warnings;
use Socket qw(AF_UNIX SOCK_SEQPACKET pack_sockaddr_un);

my $cmd = shift // die "usage: xtel.pl COMMAND\n";
my $path = $ENV{DNB_TEL_SOCK} // (glob('/var/run/dpdk/*/dpdk_telemetry.v2'))[0]
	// die "xtel.pl: no telemetry socket under /var/run/dpdk\n";
socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "xtel.pl: socket: $!\n";
connect($s, pack_sockaddr_un($path)) or die "xtel.pl: connect $path: $!\n";
my $buf = '';
defined recv($s, $buf, 65536, 0) or die "xtel.pl: no greeting: $!\n";
send($s, $cmd, 0) or die "xtel.pl: send: $!\n";
$buf = '';
defined recv($s, $buf, 1 << 20, 0) && length $buf or die "xtel.pl: no answer to $cmd\n";
print "$buf\n";
