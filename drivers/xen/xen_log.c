/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log type of drivers/xen, netback.xen (see xen_log.h). In a file of its own so that
 * the implementations (real/, sim/) and the selection in xen_ops.c, which refers to them,
 * depend one way.
 */
#include "xen_log.h"

RTE_LOG_REGISTER(xen_logtype, netback.xen, NOTICE);
