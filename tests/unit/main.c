#include <stdlib.h>

#include "unit/suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	srunner_add_suite(sr, reply_suite());
	srunner_add_suite(sr, ehlo_suite());
	srunner_add_suite(sr, session_suite());
	srunner_add_suite(sr, net_suite());
	srunner_add_suite(sr, fake_server_suite());
	srunner_add_suite(sr, tls_verdict_suite());
	srunner_add_suite(sr, report_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, runner_suite());
	srunner_add_suite(sr, dns_suite());
	srunner_add_suite(sr, mta_log_suite());
	srunner_add_suite(sr, mta_conf_suite());
	srunner_add_suite(sr, explain_suite());
	srunner_add_suite(sr, diagnose_suite());
	srunner_add_suite(sr, guide_suite());
	srunner_add_suite(sr, wizard_suite());
	srunner_add_suite(sr, states_suite());
	srunner_add_suite(sr, run_suite());
	srunner_add_suite(sr, refcode_suite());
	srunner_add_suite(sr, event_suite());
	srunner_add_suite(sr, watch_suite());
	srunner_add_suite(sr, bans_suite());
	srunner_add_suite(sr, setup_suite());
	srunner_add_suite(sr, autoconfig_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
