// SPDX-License-Identifier: GPL-2.0
/* Building json-c objects (see jsonbuild.h). */
#include <errno.h>

#include <json-c/json.h>

#include "jsonbuild.h"

int lfs_jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int lfs_jadd_str(struct json_object *o, const char *key, const char *s)
{
	return s ? lfs_jadd(o, key, json_object_new_string(s)) : 0;
}

int lfs_jappend(struct json_object *a, struct json_object *v)
{
	if (!v || json_object_array_add(a, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}
