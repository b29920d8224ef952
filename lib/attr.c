/* geoha: node attributes and promotion scores, written only on change. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "geoha/attr.h"
#include "geoha/file.h"
#include "geoha/map.h"
#include "geoha/ocf.h" /* geoha_rsc_base() */
#include "geoha/proc.h"

#define ATTR_OUT_MAX 65536
#define ATTR_VALUE_MAX 4096
/* crm_attribute's exit code when the attribute does not exist. */
#define CRM_EX_NOSUCH 105

static const char *
cache_dir(void)
{
    const char *d = getenv(GEOHA_ATTR_CACHE_ENV);

    return (d != NULL && *d == '/') ? d : GEOHA_ATTR_CACHE_DIR;
}

static bool
name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || *s == '-' || strlen(s) >= 256) {
        return false; /* never let a name pass for an option */
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'
              || *p == ':')) {
            return false;
        }
    }
    return true;
}

static int
cache_path(enum geoha_attr_kind kind, const char *node, const char *name,
           char path[PATH_MAX])
{
    return geoha_snprintf(
        path, PATH_MAX, "%s/%s@%s@%s", cache_dir(),
        kind == GEOHA_ATTR_PROMOTION ? "promotion" : "transient", node, name);
}

/* "S<value>" for a set value, "D" for a deleted one. */
static bool
cache_is_current(const char *path, const char *value)
{
    struct stat st;
    char *text = NULL;
    bool current = false;

    if (stat(path, &st) != 0
        || time(NULL) - st.st_mtime > GEOHA_ATTR_REFRESH_S) {
        return false;
    }
    if (geoha_file_read(path, ATTR_VALUE_MAX + 2, &text, NULL) != 0) {
        return false;
    }
    if (value == NULL) {
        current = strcmp(text, "D") == 0;
    } else {
        current = text[0] == 'S' && strcmp(text + 1, value) == 0;
    }
    free(text);
    return current;
}

static void
cache_store(const char *path, const char *value)
{
    struct geoha_buf b;

    if (geoha_dir_ensure(cache_dir(), 0700) != 0) {
        return;
    }
    geoha_buf_init(&b, ATTR_VALUE_MAX + 2);
    geoha_buf_puts(&b, value == NULL ? "D" : "S");
    if (value != NULL) {
        geoha_buf_puts(&b, value);
    }
    if (b.error == 0) {
        geoha_file_replace(path, b.data, b.len, (uid_t)-1, (gid_t)-1, 0600);
    }
    geoha_buf_clear(&b);
}

void
geoha_attr_forget(enum geoha_attr_kind kind, const char *node, const char *name)
{
    char path[PATH_MAX];
    char base[256];

    if (kind == GEOHA_ATTR_PROMOTION) {
        if (geoha_rsc_base(name, base, sizeof(base)) != 0) {
            return;
        }
        name = base;
    }
    if (cache_path(kind, node, name, path) == 0) {
        unlink(path);
    }
}

static int
run_crm_attribute(const char *const argv[], const struct geoha_deadline *d,
                  struct geoha_proc_result *res)
{
    int rc = geoha_proc_run(argv, NULL, NULL, ATTR_OUT_MAX, d, res);

    if (rc == -ENOENT) {
        return GEOHA_E_NOT_INSTALLED;
    }
    return rc;
}

int
geoha_attr_update(enum geoha_attr_kind kind, const char *node, const char *name,
                  const char *value, const struct geoha_deadline *d,
                  bool *changed)
{
    char path[PATH_MAX];
    char base[256];
    char promo[300];
    const char *argv[12];
    struct geoha_proc_result res = { 0 };
    size_t k = 0;
    int rc;

    if (!name_ok(node) || !name_ok(name)
        || (value != NULL && strlen(value) >= ATTR_VALUE_MAX)) {
        return -EINVAL;
    }
    if (kind == GEOHA_ATTR_PROMOTION) {
        if (geoha_rsc_base(name, base, sizeof(base)) != 0) {
            return -EINVAL;
        }
        name = base;
    }
    rc = cache_path(kind, node, name, path);
    if (rc != 0) {
        return rc;
    }
    if (cache_is_current(path, value)) {
        if (changed != NULL) {
            *changed = false;
        }
        return 0;
    }
    argv[k++] = "crm_attribute";
    if (kind == GEOHA_ATTR_PROMOTION) {
        if (geoha_snprintf(promo, sizeof(promo), "--promotion=%s", name) != 0) {
            return -EINVAL;
        }
        argv[k++] = promo;
    } else {
        argv[k++] = "--name";
        argv[k++] = name;
        argv[k++] = "--lifetime";
        argv[k++] = "reboot";
    }
    argv[k++] = "--node";
    argv[k++] = node;
    if (value != NULL) {
        argv[k++] = "--update";
        argv[k++] = value;
    } else {
        argv[k++] = "--delete";
    }
    argv[k] = NULL;
    rc = run_crm_attribute(argv, d, &res);
    if (rc == 0 && res.exit_code != 0
        && !(value == NULL && res.exit_code == CRM_EX_NOSUCH)) {
        rc = GEOHA_E_REMOTE;
    }
    geoha_proc_result_clear(&res);
    if (rc != 0) {
        unlink(path);
        return rc;
    }
    cache_store(path, value);
    if (changed != NULL) {
        *changed = true;
    }
    return 0;
}

int
geoha_attr_get(enum geoha_attr_kind kind, const char *node, const char *name,
               const struct geoha_deadline *d, char **value)
{
    char base[256];
    char promo[300];
    const char *argv[12];
    struct geoha_proc_result res = { 0 };
    size_t k = 0;
    int rc;

    if (!name_ok(node) || !name_ok(name) || value == NULL) {
        return -EINVAL;
    }
    argv[k++] = "crm_attribute";
    if (kind == GEOHA_ATTR_PROMOTION) {
        if (geoha_rsc_base(name, base, sizeof(base)) != 0
            || geoha_snprintf(promo, sizeof(promo), "--promotion=%s", base)
                   != 0) {
            return -EINVAL;
        }
        argv[k++] = promo;
    } else {
        argv[k++] = "--name";
        argv[k++] = name;
        argv[k++] = "--lifetime";
        argv[k++] = "reboot";
    }
    argv[k++] = "--node";
    argv[k++] = node;
    argv[k++] = "--query";
    argv[k++] = "--quiet";
    argv[k] = NULL;
    rc = run_crm_attribute(argv, d, &res);
    if (rc != 0) {
        return rc;
    }
    if (res.exit_code == CRM_EX_NOSUCH) {
        *value = NULL;
    } else if (res.exit_code != 0) {
        rc = GEOHA_E_REMOTE;
    } else {
        geoha_strtrim(res.out);
        *value = res.out;
        res.out = NULL;
    }
    geoha_proc_result_clear(&res);
    return rc;
}
