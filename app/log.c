/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The app's log type, netback.app (--log-level=netback.app:debug). In a file of its own at
 * the bottom of the app, so that every stage can log without depending on main.c.
 */
#include "dnb.h"

RTE_LOG_REGISTER(dnb_logtype, netback.app, NOTICE);
