#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the two initramfs images of the real-Xen test from this machine's installed files
# (test/xen/install-xen-deps.sh) and the project's build: each binary is copied with the
# closure of its shared libraries (ldd), each kernel module with its dependencies (modprobe).
#
#   build-initramfs.sh BUILD-DIR OUT-DIR
#
# OUT-DIR/domU.cpio.gz  a guest: busybox, xen-netfront, 8021q, netperf, iputils ping, ethtool,
#                       perl-base, iproute2 (for XDP) and test/xen/xdp_mark.c built with clang's
#                       BPF target, test/xen/{domU-init.sh,xstream.pl}
# OUT-DIR/dom0.cpio.gz  Dom0: busybox, iproute2, ethtool, iputils ping, the Xen tools
#                       (oxenstored, xenconsoled, xen-init-dom0, xl), the Xen modules, dpdk-netback with its DPDK libraries
#                       and the two plugins it needs (net_af_packet, mempool_ring), the
#                       xs_read tracer (test/xen/xs_trace.c), netperf,
#                       perl-base, the guest's kernel and initramfs,
#                       test/xen/{dom0-init.sh,scenario.sh,bench.sh,xstream.pl,xtel.pl}
# OUT-DIR/kernel        the kernel both boot (Dom0 PV, guests PV/PVH); OUT-DIR/xen: the
#                       hypervisor, uncompressed (QEMU's multiboot loader takes an ELF32).
# Everything is written under OUT-DIR (never into the source tree).
#
# DNB_XEN_ROOT: a Debian root (test/xen/release-root.sh) the system's files come from in place
# of this machine's: another release's Xen, kernels, toolstack and userland, each program with
# its libraries as that root's loader resolves them. The project's programs still come from
# BUILD-DIR with this machine's libraries (its DPDK), the root's copy of a library taken where
# the root has one of the same name (soname: the root's is the newer).
#
# DNB_NETBACK_PACKAGE: the name of the package that installed dpdk-netback in the system's
# root (run-xen-test.sh --from package): Dom0 gets that installed program, hotplug script,
# /etc/default file and plugins with the root's own DPDK, in place of BUILD-DIR's.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD-DIR OUT-DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

src=${DNB_XEN_ROOT:-}
kver=${DNB_XEN_KVER:-$(ls "$src/lib/modules" | sort -V | tail -n 1)}
kernel=$src/boot/vmlinuz-$kver
xen_gz=${DNB_XEN_HYPERVISOR:-$(ls "$src"/boot/xen-4.*-amd64.gz 2>/dev/null | sort -V | tail -n 1)}
xen_ver=$(basename "$xen_gz" | sed -n 's/^xen-\(4\.[0-9]*\)-amd64\.gz$/\1/p')
xen_bin=/usr/lib/xen-$xen_ver/bin
pmd_dir=$(pkg-config --variable=pmddir libdpdk 2>/dev/null || true)
pmd_dir=${pmd_dir:-/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0}

die() { echo "build-initramfs.sh: $*" >&2; exit 1; }
[ -f "$kernel" ] || die "no kernel $kernel (run test/xen/install-xen-deps.sh)"
[ -f "$xen_gz" ] || die "no Xen hypervisor image in /boot (run test/xen/install-xen-deps.sh)"
[ -n "${DNB_NETBACK_PACKAGE:-}" ] || [ -x "$build/app/dpdk-netback" ] ||
	die "no $build/app/dpdk-netback: build the project first"
[ -n "$xen_ver" ] || die "cannot tell the Xen version of $xen_gz"
[ -x "$src/bin/busybox" ] || die "no $src/bin/busybox (busybox-static)"

# copy_file SRC DEST-ROOT [DEST-PATH]: one file, its directory created; symlinks resolved.
copy_file() {
	local dst=$2${3:-$1}

	mkdir -p "$(dirname "$dst")"
	cp -L "$1" "$dst"
}

# sys_file PATH DEST-ROOT [DEST-PATH]: a file of the system's (DNB_XEN_ROOT's or this machine's).
sys_file() { copy_file "$src$1" "$2" "${3:-$1}"; }

# libs_of FILE [HOST]: the libraries FILE needs, as the loader resolves them in the system's
# root (HOST: on this machine, for the project's own programs).
libs_of() {
	local ldd=(ldd)
	[ -n "$src" ] && [ -z "${2:-}" ] && ldd=(chroot "$src" ldd)
	"${ldd[@]}" "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}'
}

# copy_elf ROOT FILE [DEST-PATH]: a program or library of the system's and every library it
# needs, each at the path the dynamic loader resolved in the system's root.
copy_elf() {
	local root=$1 f=$2 lib

	sys_file "$f" "$root" "${3:-$f}"
	for lib in $(libs_of "$f"); do
		[ -e "$root$lib" ] || sys_file "$lib" "$root"
	done
}

# copy_own_elf ROOT FILE DEST-PATH: a program or plugin of the project's (built on this
# machine) and the libraries it needs: the system root's where it has the same file name
# (another release's libc, libxenstore), else this machine's (DPDK 22.11).
copy_own_elf() {
	local root=$1 lib

	copy_file "$2" "$root" "$3"
	for lib in $(libs_of "$2" host); do
		if [ -e "$root$lib" ]; then
			continue
		elif [ -e "$src$lib" ]; then
			sys_file "$lib" "$root"
		else
			copy_file "$lib" "$root"
		fi
	done
}

# The DPDK plugins EAL loads (it loads every plugin of its plugin directory: only those the
# tests need; net_virtio: the bench's virtio-user wire on vhost-net).
plugins="librte_net_af_packet librte_mempool_ring librte_net_virtio"

# netback_built ROOT: dpdk-netback from BUILD-DIR, the hotplug script from the source tree,
# the plugins of this machine's DPDK.
netback_built() {
	local plugin

	copy_own_elf "$1" "$build/app/dpdk-netback" /usr/bin/dpdk-netback
	echo "built in $build" >"$1/etc/dnb-netback-origin"
	install -m 755 "$here/../../config/vif-dpdk-netback" "$1/etc/xen/scripts/"
	for plugin in $plugins; do
		copy_own_elf "$1" "$pmd_dir/$plugin.so.23.0" "$pmd_dir/$plugin.so.23.0"
	done
}

# netback_installed ROOT: dpdk-netback as the package DNB_NETBACK_PACKAGE installed it in the
# system's root (run-xen-test.sh installs it there with apt): the program, its hotplug
# script, the PMD plugin and /etc/default, and the DPDK plugins of that root's DPDK, each
# with the libraries that root's loader resolves. Refused when the package does not own them.
netback_installed() {
	local root=$1 f plugin dir

	for f in /usr/sbin/dpdk-netback /etc/xen/scripts/vif-dpdk-netback /etc/default/dpdk-netback; do
		dpkg-query --admindir="$src/var/lib/dpkg" -S "$f" 2>/dev/null |
			grep -q "^$DNB_NETBACK_PACKAGE: " || die "$src$f is not dpdk-netback's installed file"
	done
	copy_elf "$root" /usr/sbin/dpdk-netback
	dpkg-query --admindir="$src/var/lib/dpkg" -W -f '${Package} ${Version}, installed in ' \
		"$DNB_NETBACK_PACKAGE" >"$root/etc/dnb-netback-origin"
	echo "${src:-/}" >>"$root/etc/dnb-netback-origin"
	sys_file /etc/xen/scripts/vif-dpdk-netback "$root"
	sys_file /etc/default/dpdk-netback "$root"
	for f in "$src"/usr/lib/x86_64-linux-gnu/dpdk-netback/*.so; do
		copy_elf "$root" "${f#"$src"}"
	done
	dir=$(ls -d "$src"/usr/lib/x86_64-linux-gnu/dpdk/pmds-* | sort -V | tail -n 1)
	dir=${dir#"$src"}
	for plugin in $plugins; do
		f=$(ls "$src$dir/$plugin.so".* 2>/dev/null | sort -V | tail -n 1) || true
		if [ -n "$f" ]; then
			copy_elf "$root" "${f#"$src"}"
		elif [ "$plugin" != librte_net_virtio ]; then # the offload bench's wire alone
			die "no $plugin in $src$dir: the package's dependencies should have brought it"
		fi
	done
}

# copy_modules ROOT MODULE...: kernel modules with their dependencies, and a load order list
# (ROOT/etc/modules.order) for the init script's insmod loop. A compressed module (.ko.xz:
# Debian 13) is stored uncompressed: busybox's insmod takes a plain ELF.
copy_modules() {
	local root=$1 m path ko
	shift
	mkdir -p "$root/etc"
	: >"$root/etc/modules.order"
	for m in "$@"; do
		for path in $(modprobe -d "${src:-/}" -S "$kver" --show-depends "$m" |
			awk '$1 == "insmod" {print $2}'); do
			path=${path#"$src"}
			ko=${path%.xz}
			grep -qxF "$ko" "$root/etc/modules.order" && continue
			mkdir -p "$(dirname "$root$ko")"
			if [ "$ko" != "$path" ]; then
				xz -dc "$src$path" >"$root$ko"
			else
				sys_file "$path" "$root"
			fi
			echo "$ko" >>"$root/etc/modules.order"
		done
	done
}

# copy_perl ROOT: perl-base (the interpreter and its core modules) and test/xen/xstream.pl.
copy_perl() {
	copy_elf "$1" /usr/bin/perl
	mkdir -p "$1/usr/lib/x86_64-linux-gnu"
	cp -a "$src/usr/lib/x86_64-linux-gnu/perl-base" "$1/usr/lib/x86_64-linux-gnu/"
	install -m 755 "$here/xstream.pl" "$1/usr/bin/xstream.pl"
}

# base_root ROOT: busybox with its applet links, the directory skeleton.
base_root() {
	local root=$1 applet

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,var/log,etc,root}
	ln -s ../run "$root/var/run"
	cp "$src/bin/busybox" "$root/bin/busybox"
	for applet in $("$src/bin/busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
}

# ldcache ROOT: the loader's cache, so libraries are found wherever ldd found them.
ldcache() {
	mkdir -p "$1/etc"
	echo "/lib/x86_64-linux-gnu
/usr/lib/x86_64-linux-gnu" >"$1/etc/ld.so.conf"
	ldconfig -r "$1"
}

# pack ROOT FILE: a newc cpio archive, gzip-compressed (the kernel and libxenguest take it).
pack() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$2"
}

build_domu() {
	local root=$out/domU-root

	base_root "$root"
	copy_modules "$root" xen-netfront 8021q e1000 macvlan
	copy_elf "$root" /usr/bin/netperf
	copy_elf "$root" /usr/bin/netserver
	copy_elf "$root" /usr/bin/ping /usr/bin/ping
	copy_elf "$root" /usr/sbin/ethtool /usr/sbin/ethtool
	# iproute2 beside busybox's ip (which stays the guest's ip): it loads XDP programs
	copy_elf "$root" /sbin/ip /usr/lib/dnb/ip
	clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$here/xdp_mark.c" \
		-o "$root/usr/lib/dnb/xdp_mark.o" || die "cannot build test/xen/xdp_mark.c"
	copy_perl "$root"
	cp "$here/domU-init.sh" "$root/init"
	chmod 755 "$root/init"
	ldcache "$root"
	pack "$root" "$out/domU.cpio.gz"
}

build_dom0() {
	local root=$out/dom0-root f plugin

	base_root "$root"
	copy_modules "$root" xen-evtchn xenfs xen-gntdev xen-gntalloc xen-privcmd veth bridge xen-netback 8021q \
		tun vhost_net
	for f in oxenstored xenconsoled xen-init-dom0 xl; do
		copy_elf "$root" "$xen_bin/$f" "/usr/sbin/$f"
	done
	# libxl starts this helper by its installed path.
	copy_elf "$root" "$xen_bin/libxl-save-helper"
	# oxenstored of Xen 4.18 and later loads its libxenctrl glue as a plugin
	for f in "$src/usr/lib/xen-$xen_ver"/ocaml/xsd_glue/*/*.cmxs; do
		[ -e "$f" ] && copy_elf "$root" "${f#"$src"}"
	done
	# an HVM guest's device model (qemu-system-xen) and firmware: hvmloader, SeaBIOS (libxl
	# loads both), QEMU's option ROMs for direct kernel boot and for the e1000's PCI ROM
	copy_elf "$root" /usr/libexec/xen-qemu-system-i386
	sys_file "/usr/lib/xen-$xen_ver/boot/hvmloader" "$root"
	sys_file /usr/share/seabios/bios-256k.bin "$root"
	for f in linuxboot_dma.bin linuxboot.bin kvmvapic.bin keymaps/en-us; do
		sys_file "/usr/share/qemu/$f" "$root"
	done
	# where the release's QEMU looks for it (Debian 12: ipxe-qemu's; 13: its own data)
	for f in /usr/lib/ipxe/qemu/efi-e1000.rom /usr/share/qemu/efi-e1000.rom; do
		[ -e "$src$f" ] && sys_file "$f" "$root"
	done
	for f in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm xenstore-watch; do
		copy_elf "$root" "/usr/bin/$f" "/usr/bin/$f"
	done
	# xl cancels threads: glibc dlopens libgcc_s for the unwinder and aborts without it.
	sys_file /lib/x86_64-linux-gnu/libgcc_s.so.1 "$root"
	sys_file /etc/xen/oxenstored.conf "$root"
	sys_file /etc/xen/xl.conf "$root"
	mkdir -p "$root"/var/lib/xen "$root"/var/lib/xenstored "$root"/var/log/xen/console \
		"$root"/etc/xen/scripts
	install -m 755 "$here/vif-kernel-bridge" "$root/etc/xen/scripts/"
	copy_elf "$root" /bin/ip /sbin/ip
	copy_elf "$root" /usr/sbin/ethtool /usr/sbin/ethtool
	copy_elf "$root" /usr/bin/ping /usr/bin/ping
	copy_perl "$root"
	copy_elf "$root" /usr/bin/netperf
	copy_elf "$root" /usr/bin/netserver
	if [ -n "${DNB_NETBACK_PACKAGE:-}" ]; then
		netback_installed "$root"
	else
		netback_built "$root"
	fi
	copy_own_elf "$root" "$build/test/xen/libdnb_xs_trace.so" /usr/lib/libdnb_xs_trace.so
	mkdir -p "$root/boot"
	cp "$kernel" "$root/boot/vmlinuz"
	cp "$out/domU.cpio.gz" "$root/boot/domU.cpio.gz"
	install -m 755 "$here/dom0-init.sh" "$root/init"
	install -m 755 "$here/scenario.sh" "$root/scenario.sh"
	install -m 755 "$here/bench.sh" "$root/bench.sh"
	install -m 755 "$here/xtel.pl" "$root/usr/bin/xtel.pl"
	ldcache "$root"
	pack "$root" "$out/dom0.cpio.gz"
}

build_domu
build_dom0
cp "$kernel" "$out/kernel"
gzip -dc "$xen_gz" >"$out/xen"
rm -rf "$out/domU-root" "$out/dom0-root"
echo "build-initramfs.sh: $out/{xen,kernel,dom0.cpio.gz,domU.cpio.gz} (Xen $xen_ver, kernel $kver${src:+, from $src})"
