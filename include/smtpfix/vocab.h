/* Small vocabularies shared by several layers, each one list from which the
 * enum and its id table are made (the habit of SF_CAUSE_LIST): code
 * compares enum values, and only JSON and reports see the ids. */
#ifndef SMTPFIX_VOCAB_H
#define SMTPFIX_VOCAB_H

/* How much a finding matters (a diagnosis's, or the policy reader's). */
#define SF_SEVERITY_LIST(X) \
	X(INFO, "info") \
	X(WARNING, "warning") \
	X(PROBLEM, "problem")

enum sf_severity {
// clang-format off
#define SF_SEVERITY_ENUM(name, id) SF_SEV_##name,
	SF_SEVERITY_LIST(SF_SEVERITY_ENUM)
#undef SF_SEVERITY_ENUM
	SF_SEV_COUNT
	// clang-format on
};

/* "info", "warning", "problem"; "problem" for a value not in the list. */
const char *sf_severity_id(enum sf_severity s);

/* The mail server software a configuration belongs to. */
#define SF_MTA_LIST(X) \
	X(NONE, "") \
	X(EXIM, "exim") \
	X(POSTFIX, "postfix")

enum sf_mta {
// clang-format off
#define SF_MTA_ENUM(name, id) SF_MTA_##name,
	SF_MTA_LIST(SF_MTA_ENUM)
#undef SF_MTA_ENUM
	SF_MTA_COUNT
	// clang-format on
};

/* "exim", "postfix"; "" for none. */
const char *sf_mta_id(enum sf_mta m);

/* Which build of Exim's configuration: it decides where the files are and
 * what the stock settings say. */
#define SF_EXIM_FLAVOUR_LIST(X) \
	X(NONE, "") \
	X(CPANEL, "cpanel") \
	X(DEBIAN, "debian") \
	X(UPSTREAM, "upstream")

enum sf_exim_flavour {
// clang-format off
#define SF_EXIM_FLAVOUR_ENUM(name, id) SF_EXIM_FLAVOUR_##name,
	SF_EXIM_FLAVOUR_LIST(SF_EXIM_FLAVOUR_ENUM)
#undef SF_EXIM_FLAVOUR_ENUM
	SF_EXIM_FLAVOUR_COUNT
	// clang-format on
};

const char *sf_exim_flavour_id(enum sf_exim_flavour f);

#endif
