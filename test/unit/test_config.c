/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/config.c's --switch: the options as an admin writes them (good and bad), and how the
 * switches get the EAL's wire ports (dnb_config_switches_resolve): by port id or device
 * name, every port in exactly one switch, the default switch without --switch. The options
 * naming a vif, by its domain's id or name. Pure: no EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnb_config.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static struct dnb_config cfg;

/* The EAL's ports of a host with three wire ports. */
static const struct dnb_wire_port wires[] = {
	{0, "net_af_packet0"}, {1, "net_af_packet1"}, {2, "0000:03:00.0"},
};

/* dnb_config_parse on "dpdk-netback --vif 1/0 ARGS...", NULL-terminated. */
static int parse(const char *arg, ...)
{
	char *argv[32] = {"dpdk-netback", "--vif", "1/0"};
	int argc = 3;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return dnb_config_parse(argc, argv, &cfg);
}

static void test_no_switch_is_one_of_all(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_false(cfg.switches_named);
	assert_int_equal(dnb_config_switches_resolve(&cfg, wires, DIM(wires)), 0);
	assert_int_equal(cfg.nb_switches, 1);
	assert_string_equal(cfg.switches[0].name, DNB_SWITCH_DEFAULT_NAME);
	assert_int_equal(cfg.switches[0].nb_wires, 3);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_equal(dnb_config_wire_switch(&cfg, p), 0);
	assert_int_equal(dnb_config_wire_switch(&cfg, 3), -1);
	assert_int_equal(dnb_config_switch_named(&cfg, DNB_SWITCH_DEFAULT_NAME), 0);
	assert_int_equal(dnb_config_switch_named(&cfg, "xenbr0"), -1);
}

static void test_switches_by_id_and_name(void **state)
{
	(void)state;
	assert_int_equal(parse("--switch", "xenbr0=0,0000:03:00.0", "--switch",
			       "br-storage.9=net_af_packet1", "--switch", "internal", NULL), 0);
	assert_true(cfg.switches_named);
	assert_int_equal(cfg.nb_switches, 3);
	assert_int_equal(dnb_config_switches_resolve(&cfg, wires, DIM(wires)), 0);
	assert_int_equal(dnb_config_switch_named(&cfg, "xenbr0"), 0);
	assert_int_equal(dnb_config_switch_named(&cfg, "br-storage.9"), 1);
	assert_int_equal(dnb_config_switch_named(&cfg, "internal"), 2);
	assert_int_equal(dnb_config_switch_named(&cfg, "xenbr"), -1);
	assert_int_equal(dnb_config_switch_named(&cfg, "XENBR0"), -1);
	assert_int_equal(dnb_config_wire_switch(&cfg, 0), 0);
	assert_int_equal(dnb_config_wire_switch(&cfg, 2), 0);
	assert_int_equal(dnb_config_wire_switch(&cfg, 1), 1);
	assert_int_equal(cfg.switches[2].nb_wires, 0); /* guests only */
}

static void test_bad_switch_options(void **state)
{
	static const char *const bad[] = {
		"", "=0", "xenbr0=", "xenbr0=,0", "xenbr0=0,", "xenbr0=0,,1", "br 0=0", "br/0=0",
		"br:0", ".", "..", "1234567890123456=0",
		"xenbr0=x0123456789012345678901234567890123456789012345678901234567890123",
		"xenbr0=0,1,2,3,4,5,6,7,8",
	};

	(void)state;
	for (unsigned int i = 0; i < DIM(bad); i++) {
		print_message("--switch '%.30s'\n", bad[i]);
		assert_int_equal(parse("--switch", bad[i], NULL), -EINVAL);
	}
	/* the same name twice */
	assert_int_equal(parse("--switch", "xenbr0=0", "--switch", "xenbr0=1", NULL), -EINVAL);
	/* more switches than DNB_MAX_SWITCHES */
	assert_int_equal(parse("--switch", "a", "--switch", "b", "--switch", "c", "--switch", "d",
			       "--switch", "e", "--switch", "f", "--switch", "g", "--switch", "h",
			       NULL), 0);
	assert_int_equal(parse("--switch", "a", "--switch", "b", "--switch", "c", "--switch", "d",
			       "--switch", "e", "--switch", "f", "--switch", "g", "--switch", "h",
			       "--switch", "i", NULL), -EINVAL);
}

static void test_bad_switch_ports(void **state)
{
	static const char *const cases[][3] = {
		/* unknown ports */
		{"xenbr0=0,1,2,3", NULL},
		{"xenbr0=0,1,2", "xenbr1=net_af_packet9"},
		{"xenbr0=4294967296,1,2", NULL}, /* no such id (nor name) */
		{"xenbr0=net_af_packet,1,2", NULL},
		{"xenbr0=Net_af_packet0,1,2", NULL},
		/* a port twice: in one switch, by id and by name, in two switches */
		{"xenbr0=0,0,1,2", NULL},
		{"xenbr0=0,net_af_packet0,1,2", NULL},
		{"xenbr0=0,1", "xenbr1=2,net_af_packet1"},
		{"xenbr0=0000:03:00.0,0,1", "xenbr1=2"},
		/* a port in no switch */
		{"xenbr0=0,1", "xenbr1"},
	};

	(void)state;
	for (unsigned int i = 0; i < DIM(cases); i++) {
		print_message("--switch %s --switch %s\n", cases[i][0],
			      cases[i][1] ? cases[i][1] : "-");
		if (cases[i][1] != NULL)
			assert_int_equal(parse("--switch", cases[i][0], "--switch", cases[i][1],
					       NULL), 0);
		else
			assert_int_equal(parse("--switch", cases[i][0], NULL), 0);
		assert_int_equal(dnb_config_switches_resolve(&cfg, wires, DIM(wires)), -EINVAL);
	}
	/* more wire ports than one default switch holds */
	{
		struct dnb_wire_port many[DNB_SWITCH_MAX_WIRES + 1];

		for (unsigned int i = 0; i < DIM(many); i++)
			many[i] = (struct dnb_wire_port){(uint16_t)i, "p"};
		assert_int_equal(parse(NULL), 0);
		assert_int_equal(dnb_config_switches_resolve(&cfg, many, DIM(many)), -EINVAL);
	}
}

/* Options naming a vif by its domain's id or name (xl's name=, known before the guest has an
 * id): a vif matches by either; ids and names never confused; bad names refused. */
static void test_vifs_by_domain_name(void **state)
{
	const struct dnb_vif_id web = {7, 0}, web1 = {7, 1}, db = {8, 0};

	(void)state;
	assert_int_equal(parse("--vlan", "web/0=100", "--vif-trunk", "8/0=0,200", "--vif-learn",
			       "web/1", "--vif-macs", "db-1/0=02:00:00:00:00:01", "--vif", "db-1/0",
			       NULL), 0);
	assert_int_equal(dnb_config_vif_vlan(&cfg, web, "web"), 100);
	assert_int_equal(dnb_config_vif_vlan(&cfg, web, ""), 0);    /* no name read */
	assert_int_equal(dnb_config_vif_vlan(&cfg, web1, "web"), 0); /* another devid */
	assert_int_equal(dnb_config_vif_vlan(&cfg, web, "web2"), 0);
	assert_null(dnb_config_vif_trunk(&cfg, web, "web"));
	assert_non_null(dnb_config_vif_trunk(&cfg, db, "anything"));  /* by id */
	assert_true(dnb_config_vif_macs(&cfg, web1, "web")->learn);
	assert_int_equal(dnb_config_vif_macs(&cfg, db, "db-1")->nb, 1);
	assert_null(dnb_config_vif_macs(&cfg, db, "db"));
	assert_true(dnb_config_vifs_by_name(&cfg));
	assert_true(dnb_config_vif_named(&cfg, db, "db-1"));
	assert_true(dnb_config_vif_named(&cfg, (struct dnb_vif_id){1, 0}, "")); /* parse()'s */
	assert_false(dnb_config_vif_named(&cfg, db, "db-2"));

	/* the first option naming a vif counts: by name here, by id after */
	assert_int_equal(parse("--vlan", "web/0=10", "--vlan", "7/0=20", NULL), 0);
	assert_int_equal(dnb_config_vif_vlan(&cfg, web, "web"), 10);
	assert_int_equal(dnb_config_vif_vlan(&cfg, web, "other"), 20);
	assert_false(dnb_config_vifs_by_name(&cfg));

	/* one vif named the same way twice, or in a VLAN and a trunk: refused at start */
	assert_int_equal(parse("--vif-trunk", "web/0", "--vif-trunk", "web/0=5", NULL), -EINVAL);
	assert_int_equal(parse("--vlan", "web/0=5", "--vif-trunk", "web/0", NULL), -EINVAL);
	/* names that are no domain names, or no vif */
	static const char *const bad[] = {
		"0/0", "32752/0", "web", "web/", "/0", "web/65536", "we b/0", "web:1/0", "w/e/0",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl/0",
	};
	for (size_t i = 0; i < DIM(bad); i++) {
		char opt[96];

		snprintf(opt, sizeof(opt), "%s=100", bad[i]);
		print_message("--vlan %s\n", opt);
		assert_int_equal(parse("--vlan", opt, NULL), -EINVAL);
		assert_int_equal(parse("--vif-learn", bad[i], NULL), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_switch_is_one_of_all),
		cmocka_unit_test(test_switches_by_id_and_name),
		cmocka_unit_test(test_bad_switch_options),
		cmocka_unit_test(test_bad_switch_ports),
		cmocka_unit_test(test_vifs_by_domain_name),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
