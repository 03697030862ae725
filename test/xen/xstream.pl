#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# A TCP byte pipe for the real-Xen test's byte-exact streams (busybox nc stops at the first
# EOF of either side and loses the tail). Only perl-base modules, so it runs in an initramfs.
# IPv4 and IPv6 alike: the receiver listens on both families (IPv4 as mapped addresses), the
# sender's HOST says which (10.77.0.1, fd77::1).
#
#   xstream.pl recv PORT [SECONDS]       one connection's bytes to stdout, to the sender's EOF;
#                                        gives up after SECONDS (default 300) in all
#   xstream.pl send HOST PORT [SECONDS [RATE]]  stdin to HOST:PORT; retries the connect for
#                                        SECONDS (default 120); at most RATE bytes/s (a
#                                        stream that spans a backend restart); returns once
#                                        the receiver has closed
# Exit 0 on success, 1 with a message on stderr otherwise.
use strict;
use warnings;
use IO::Socket::IP;
use Socket qw(SHUT_WR);

my $chunk = 65536;

sub copy_all {
	my ($in, $out, $rate) = @_;
	my ($buf, $total, $start) = ('', 0, time());
	while (1) {
		# paced: sleep while ahead of RATE bytes per second
		select(undef, undef, undef, 0.05) while $rate && $total > $rate * (time() - $start + 1);
		my $n = sysread($in, $buf, $chunk);
		die "read: $!\n" unless defined $n;
		last if $n == 0;
		my $off = 0;
		while ($off < $n) {
			my $w = syswrite($out, $buf, $n - $off, $off);
			die "write: $!\n" unless defined $w;
			$off += $w;
		}
		$total += $n;
	}
	return $total;
}

my $mode = shift @ARGV // '';
if ($mode eq 'recv' && (@ARGV == 1 || @ARGV == 2)) {
	alarm($ARGV[1] // 300);
	my $srv = IO::Socket::IP->new(LocalHost => '::', LocalPort => $ARGV[0], V6Only => 0,
				      Listen => 1, ReuseAddr => 1, Proto => 'tcp')
		or die "listen on $ARGV[0]: $@\n";
	my $conn = $srv->accept() or die "accept: $!\n";
	binmode STDOUT;
	my $n = copy_all($conn, \*STDOUT);
	close($conn);
	print STDERR "xstream: received $n bytes\n";
	exit 0;
}
if ($mode eq 'send' && (@ARGV >= 2 && @ARGV <= 4)) {
	my ($host, $port, $secs, $rate) = @ARGV;
	$secs //= 120;
	my $deadline = time() + $secs;
	alarm($secs + 600);
	my $sock;
	until ($sock = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
					   Proto => 'tcp')) {
		die "connect to $host:$port: $@\n" if time() >= $deadline;
		select(undef, undef, undef, 0.5);
	}
	binmode STDIN;
	my $n = copy_all(\*STDIN, $sock, $rate);
	shutdown($sock, SHUT_WR) or die "shutdown: $!\n";
	# The receiver closes after reading everything: wait for that, so every byte was taken.
	my $buf;
	1 while sysread($sock, $buf, $chunk);
	close($sock);
	print STDERR "xstream: sent $n bytes\n";
	exit 0;
}
print STDERR "usage: xstream.pl recv PORT [SECONDS] | send HOST PORT [SECONDS [RATE]]\n";
exit 1;
