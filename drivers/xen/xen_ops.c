/* SPDX-License-Identifier: BSD-3-Clause */
/* Choice of hypervisor interface, and the log type of drivers/xen. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen_log.h"
#include "xen_ops.h"

RTE_LOG_REGISTER(xen_logtype, netback.xen, NOTICE);

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
