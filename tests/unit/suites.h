#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

Suite *core_suite(void);
Suite *reply_suite(void);
Suite *ehlo_suite(void);
Suite *session_suite(void);
Suite *net_suite(void);
Suite *fake_server_suite(void);
Suite *tls_verdict_suite(void);
Suite *report_suite(void);
Suite *auth_suite(void);
Suite *runner_suite(void);
Suite *dns_suite(void);
Suite *mta_log_suite(void);
Suite *mta_conf_suite(void);
Suite *explain_suite(void);
Suite *diagnose_suite(void);
Suite *guide_suite(void);
Suite *wizard_suite(void);
Suite *states_suite(void);
Suite *run_suite(void);
Suite *refcode_suite(void);
Suite *event_suite(void);
Suite *watch_suite(void);
Suite *bans_suite(void);
Suite *setup_suite(void);
Suite *autoconfig_suite(void);

#endif
