/* The id tables of the vocabularies in vocab.h, made from their lists. */
#include <stddef.h>

#include "smtpfix/vocab.h"

#define VOCAB_ID(name, id) id,

static const char *const severity_ids[] = { SF_SEVERITY_LIST(VOCAB_ID) };
static const char *const mta_ids[] = { SF_MTA_LIST(VOCAB_ID) };
static const char *const flavour_ids[] = { SF_EXIM_FLAVOUR_LIST(VOCAB_ID) };

const char *
sf_severity_id(enum sf_severity s)
{
	return (size_t)s < SF_SEV_COUNT ? severity_ids[s] : "problem";
}

const char *
sf_mta_id(enum sf_mta m)
{
	return (size_t)m < SF_MTA_COUNT ? mta_ids[m] : "";
}

const char *
sf_exim_flavour_id(enum sf_exim_flavour f)
{
	return (size_t)f < SF_EXIM_FLAVOUR_COUNT ? flavour_ids[f] : "";
}
