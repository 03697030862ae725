/* SPDX-License-Identifier: BSD-3-Clause */
/* Choice of hypervisor interface, and the error log of drivers/xen. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_log.h"
#include "xen_ops.h"

void xen_log_err(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	/* One fputs per line, so lines of concurrent threads do not interleave. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	fputs(line, stderr);
}

const struct xen_ops *xen_ops_select(const char *kind)
{
	const char *simdir;

	if (kind == NULL || strcmp(kind, "auto") == 0) {
		simdir = getenv("XENSIM_DIR");
		return simdir != NULL && simdir[0] != '\0' ? &xen_sim_ops : &xen_real_ops;
	}
	if (strcmp(kind, "real") == 0)
		return &xen_real_ops;
	if (strcmp(kind, "sim") == 0)
		return &xen_sim_ops;
	errno = EINVAL;
	return NULL;
}
