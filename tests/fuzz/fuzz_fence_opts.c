/*
 * Fuzz target: the options of stonith:fence_geoha
 * (fence/fence_geoha/options.c), as pacemaker-fenced writes them on
 * standard input (key=value lines) and as an admin types them on the
 * command line (the input's lines as argv).
 *
 * Checks: an error is reported exactly when the parser fails; warnings
 * are bounded and, for stdin, single printable lines; options that would
 * carry a secret are never stored; stored stdin values hold no control
 * characters but tabs; aliases read their canonical slot; options that
 * pass fence_opts_check() have typed values that match their text; the
 * typed configuration (config.c) fails exactly when a value is bad, with
 * a printable reason, and otherwise holds the values' numbers, names
 * and maps; and the options printed back as key="value" lines parse to
 * the same.
 */
#include <errno.h>
#include <getopt.h>

#include "geoha/util.h"

#include "fence_geoha.h"
#include "fuzz.h"

#define MAX_ARGS 64

static void
check_common(const struct fence_opts *o, int rc)
{
    unsigned given = 0;
    char err[256];

    FUZZ_CHECK(rc == 0 || rc == -EINVAL);
    FUZZ_CHECK((rc != 0) == (o->error != NULL));
    FUZZ_CHECK(o->n_warn <= FENCE_MSG_MAX);
    for (unsigned i = 0; i < o->n_warn; i++) {
        FUZZ_CHECK(o->warn[i] != NULL);
    }
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];

        if (o->val[i] != NULL) {
            given++;
            /* values live in canonical slots only */
            FUZZ_CHECK(f->canon == (enum fopt_id)i);
        }
        if ((f->flags & FOPT_REFUSED) != 0) {
            FUZZ_CHECK(!fence_opt_given(o, (enum fopt_id)i)
                       || (fence_opts_table[f->canon].flags & FOPT_REFUSED)
                              == 0);
        }
        FUZZ_CHECK(fence_opt(o, (enum fopt_id)i) == fence_opt(o, f->canon));
    }
    FUZZ_CHECK(given == o->given);
    if (rc != 0) {
        return;
    }
    memset(err, 0, sizeof(err));
    if (fence_opts_check(o, err, sizeof(err)) != 0) {
        FUZZ_CHECK(err[0] != '\0' && fuzz_printable(err));
        return;
    }
    for (int i = 0; i < O_N; i++) {
        const struct fopt *f = &fence_opts_table[i];
        const char *v = fence_opt(o, (enum fopt_id)i);
        long long n = -1;
        bool b = false;

        if (f->canon != (enum fopt_id)i || v == NULL) {
            continue;
        }
        switch (f->type) {
        case FOPT_SECOND:
        case FOPT_INT:
            FUZZ_CHECK(geoha_parse_ll(v, 0, 86400, &n) == 0);
            FUZZ_CHECK(fence_opt_ll(o, (enum fopt_id)i) == n);
            break;
        case FOPT_BOOL:
            FUZZ_CHECK(v[0] == '\0' || geoha_parse_bool(v, &b) == 0);
            FUZZ_CHECK(fence_opt_bool(o, (enum fopt_id)i) == b);
            break;
        case FOPT_SELECT: {
            bool ok = false;

            for (int c = 0; f->choices[c] != NULL; c++) {
                ok = ok || strcmp(v, f->choices[c]) == 0;
            }
            FUZZ_CHECK(ok);
            break;
        }
        case FOPT_STRING:
            break;
        }
    }
}

static int
no_run(struct fence *f)
{
    (void)f;
    return 0;
}

/* An action table of the agent's shape (fence_geoha.c's is not linked). */
static const struct fence_action actions[] = {
    { "on", NULL, no_run, FACT_ARM | FACT_PLUG | FACT_MANUAL },
    { "off", NULL, no_run, FACT_ARM | FACT_PLUG | FACT_DELAY },
    { "metadata", "meta-data", no_run, FACT_BARE },
    { "validate-all", NULL, no_run, 0 },
    { NULL, NULL, NULL, 0 },
};

static bool
map_ok(const struct geoha_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const char *v = m->e[i].value;

        if (!(v[0] == '/' ? geoha_arm_id_check(v) == 0
                          : geoha_arm_name_valid(v))) {
            return false;
        }
    }
    return true;
}

/* The typed configuration of options that parsed (no file checks). */
static void
check_config(const struct fence_opts *o)
{
    struct fence_config c;
    char err[512];
    char check_err[512];
    int rc = fence_config_fill(&c, o, actions, false, err, sizeof(err));
    const char *plug = fence_opt(o, O_PLUG);

    /* What the run needs comes first, whatever else is wrong. */
    FUZZ_CHECK(c.action_given == fence_opt(o, O_ACTION));
    FUZZ_CHECK(c.action == fence_action_find(actions, c.action_given));
    FUZZ_CHECK(c.plug == (plug != NULL && plug[0] != '\0' ? plug : NULL));
    FUZZ_CHECK(c.help == fence_opt_bool(o, O_HELP));
    FUZZ_CHECK(c.verbose == fence_opt_bool(o, O_VERBOSE));
    check_err[0] = '\0';
    if (fence_opts_check(o, check_err, sizeof(check_err)) != 0) {
        /* a bad type is the first thing reported */
        FUZZ_CHECK(rc != 0 && strcmp(err, check_err) == 0);
    }
    if (rc != 0) {
        /* One line; it may echo a value's 8-bit bytes and tabs. */
        FUZZ_CHECK(err[0] != '\0' && strpbrk(err, "\r\n") == NULL);
        return;
    }
    FUZZ_CHECK(c.power_timeout_s == fence_opt_ll(o, O_POWER_TIMEOUT));
    FUZZ_CHECK(c.region_timeout_s >= 1 && c.region_timeout_s <= 86400);
    FUZZ_CHECK(c.retry_on >= 1 && c.retry_on <= 100);
    FUZZ_CHECK(c.poll_ms >= 10);
    FUZZ_CHECK(c.plug == NULL || geoha_arm_name_valid(c.plug));
    FUZZ_CHECK(c.subscription == NULL || geoha_arm_name_valid(c.subscription));
    FUZZ_CHECK((c.tm.profile != NULL) == (c.tm.endpoints.n > 0));
    FUZZ_CHECK(map_ok(&c.tm.endpoints) && map_ok(&c.db.servers));
    FUZZ_CHECK(c.tm.type != NULL && c.separator != NULL);
    FUZZ_CHECK(c.action == NULL || (c.action->flags & FACT_PLUG) == 0
               || c.plug != NULL);
}

/* Print the stored options as stdin lines and parse them again. */
static void
check_reparse(const struct fence_opts *o)
{
    struct fence_opts again;
    struct geoha_buf b;
    int rc;

    geoha_buf_init(&b, 0);
    for (int i = 0; i < O_N; i++) {
        if (o->val[i] != NULL) {
            geoha_buf_printf(&b, "%s=\"%s\"\n", fence_opts_table[i].name,
                             o->val[i]);
        }
    }
    FUZZ_CHECK(b.error == 0);
    fence_opts_init(&again);
    rc = fence_opts_parse_text(&again, b.data != NULL ? b.data : "", b.len);
    if (b.len <= FENCE_STDIN_MAX) {
        FUZZ_CHECK(rc == 0 && again.n_warn == 0);
        for (int i = 0; i < O_N; i++) {
            FUZZ_CHECK(geoha_streq(again.val[i], o->val[i]));
        }
    }
    fence_opts_clear(&again);
    geoha_buf_clear(&b);
}

static void
check_stdin(const uint8_t *data, size_t size)
{
    struct fence_opts o;
    int rc;

    fence_opts_init(&o);
    rc = fence_opts_parse_text(&o, (const char *)data, size);
    check_common(&o, rc);
    for (unsigned i = 0; i < o.n_warn; i++) {
        FUZZ_CHECK(fuzz_printable(o.warn[i]));
    }
    if (o.error != NULL) {
        FUZZ_CHECK(fuzz_printable(o.error));
    }
    for (int i = 0; i < O_N; i++) {
        for (const char *p = o.val[i]; p != NULL && *p != '\0'; p++) {
            FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t');
        }
    }
    if (rc == 0) {
        check_reparse(&o);
        check_config(&o);
    }
    fence_opts_clear(&o);
    FUZZ_CHECK(o.error == NULL && o.n_warn == 0 && o.given == 0);
}

/* glibc's getopt keeps state across calls: start it afresh as a new
 * process would (fence_geoha parses its command line once). */
static void
reset_getopt(void)
{
    static char prog[] = "fuzz";
    char *argv[] = { prog, NULL };
    static const struct option none[] = { { NULL, 0, NULL, 0 } };

    optind = 0;
    opterr = 0;
    FUZZ_CHECK(getopt_long(1, argv, ":", none, NULL) == -1);
}

static void
check_argv(const uint8_t *data, size_t size)
{
    struct fence_opts o;
    char *text = fuzz_str(data, size);
    char *argv[MAX_ARGS + 2];
    char prog[] = "fence_geoha";
    size_t n;
    int rc;

    argv[0] = prog;
    n = fuzz_split(text, '\n', argv + 1, MAX_ARGS);
    argv[n + 1] = NULL;
    reset_getopt();
    fence_opts_init(&o);
    rc = fence_opts_parse_argv(&o, (int)n + 1, argv);
    check_common(&o, rc);
    fence_opts_clear(&o);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_stdin(data, size);
    check_argv(data, size);
    return 0;
}
