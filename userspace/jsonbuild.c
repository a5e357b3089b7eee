// SPDX-License-Identifier: GPL-2.0
/* Building json-c objects (see jsonbuild.h). */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "jsonbuild.h"
#include "parse.h"

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

struct json_object *lfs_jnew_utf8(const char *str)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const char *s = str, *end = str + strlen(str);
	struct lfs_buf b = LFS_BUF_INIT;
	struct json_object *v;
	size_t n;

	while (s < end) {
		n = lfs_utf8_len(s, (size_t)(end - s));
		if (n) {
			lfs_buf_put(&b, s, n);
			s += n;
		} else {
			lfs_buf_puts(&b, fffd);
			s++;
		}
	}
	v = lfs_buf_error(&b) ? NULL :
	    json_object_new_string_len(b.data ? b.data : "", (int)b.len);
	lfs_buf_free(&b);
	return v;
}

int lfs_jadd_utf8(struct json_object *o, const char *key, const char *s)
{
	return s ? lfs_jadd(o, key, lfs_jnew_utf8(s)) : 0;
}

int lfs_jappend(struct json_object *a, struct json_object *v)
{
	if (!v || json_object_array_add(a, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}
