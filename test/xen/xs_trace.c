/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A diagnostic preload for the real-Xen test: logs every failed xs_read() of the process
 * (path, errno, thread) to stderr, then returns the failure unchanged. dpdk-netback treats a
 * failed read of a vif's "online" key as "gone"; this shows which errno a transient failure
 * under oxenstored carries.
 *   LD_PRELOAD=libdnb_xs_trace.so dpdk-netback ...
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xenstore.h>

typedef void *(*xs_read_fn)(struct xs_handle *, xs_transaction_t, const char *, unsigned int *);

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	static xs_read_fn next;
	void *value;
	int err;

	if (next == NULL)
		next = (xs_read_fn)dlsym(RTLD_NEXT, "xs_read");
	if (next == NULL) {
		errno = ENOSYS;
		return NULL;
	}
	value = next(h, t, path, len);
	if (value == NULL) {
		err = errno;
		fprintf(stderr, "xs_trace: tid %ld xs_read(%s): %s (errno %d)\n",
			(long)syscall(SYS_gettid), path, strerror(err), err);
		errno = err;
	}
	return value;
}
