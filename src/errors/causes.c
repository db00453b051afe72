#include <stddef.h>
#include <string.h>

#include "smtpfix/explain.h"

const char *const sf_cause_ids[] = {
// clang-format off
#define SF_CAUSE_ID(name, id, side) id,
	SF_CAUSE_LIST(SF_CAUSE_ID)
#undef SF_CAUSE_ID
	NULL
	// clang-format on
};

static const enum sf_cause_side cause_sides[] = {
// clang-format off
#define SF_CAUSE_SIDE(name, id, side) SF_SIDE_##side,
	SF_CAUSE_LIST(SF_CAUSE_SIDE)
#undef SF_CAUSE_SIDE
	// clang-format on
};

enum sf_cause_side
sf_cause_side(enum sf_cause c)
{
	return (size_t)c < SF_CAUSE_COUNT ? cause_sides[c] : SF_SIDE_PROGRAM;
}

const char *
sf_cause_id(enum sf_cause c)
{
	return (size_t)c < SF_CAUSE_COUNT ? sf_cause_ids[c] : "?";
}

bool
sf_cause_parse(const char *id, enum sf_cause *out)
{
	size_t i;

	for (i = 0; i < SF_CAUSE_COUNT; i++)
		if (strcmp(sf_cause_ids[i], id) == 0) {
			*out = (enum sf_cause)i;
			return true;
		}
	return false;
}
